// RandConv (Xu et al., ICLR 2021): the batch is convolved with a random-weight filter, re-drawn per batch,
// and mixed with the original. Random filters keep shapes (edges survive) but scramble colour and local
// texture, so a network trained on them must rely on shape.
import * as z from 'zod';
import { F, randn, type Tensor, tidy } from '../tensor/index.js';
import { blend } from './blend.js';
import type { ImageAugment } from './image-augment.js';
import { drawRng, uniformIn } from './random.js';
import { probability, range01 } from './schema-parts.js';

/** `augment.randConv`: random-weight convolution of the input, re-drawn per batch (Xu et al., ICLR 2021). */
export const RandConvSchema = z.strictObject({
  /** Odd kernel sizes to draw from, one per batch. */
  kernelSizes: z
    .array(
      z
        .number()
        .int()
        .positive()
        .refine((k) => k % 2 === 1, { message: 'expected an odd kernel size' }),
    )
    .min(1)
    .default([1, 3, 5, 7]),
  /** Range of the weight α of the original image in α·x + (1 − α)·conv(x), drawn per batch. */
  mix: range01.default([0, 1]),
  /** Probability that a batch is augmented at all. */
  p: probability,
  /** One random filter and α per image (a grouped convolution) instead of one for the whole batch. */
  perImage: z.boolean().default(false),
  /**
   * One random filter per class region of each image (and one α per image), placed by the label map: every class
   * gets its own colours and texture, so no class keeps the colour it has in the training style. Implies perImage;
   * needs `numClasses`.
   */
  perClass: z.boolean().default(false),
});

type RandConvConfig = z.output<typeof RandConvSchema>;

/** Options of RandConv: the validated `augment.randConv` (perImage and perClass may be left out: off) and the class count. */
export type RandConvOptions = Omit<RandConvConfig, 'perImage' | 'perClass'> &
  Partial<Pick<RandConvConfig, 'perImage' | 'perClass'>> & {
    /** Classes of the label space (labels ≥ it, such as 255 = ignore, keep their pixels); filled in from the data. */
    numClasses?: number;
  };

/** Grey level the images are centred on before the filter, so a zero-mean filter keeps the mean brightness. */
const CENTRE = 0.5;

/** RandConv as a batch augmentation (same filter for the whole batch, as the reference implementation, one per image, or one per class region). */
export class RandConv implements ImageAugment {
  readonly name = 'randConv';
  readonly needsLabels: boolean;

  constructor(readonly opts: RandConvOptions) {
    for (const k of opts.kernelSizes)
      if (!(Number.isInteger(k) && k > 0 && k % 2 === 1)) throw new RangeError(`randConv.kernelSizes: expected odd positive integers, got ${k}`);
    if (opts.perClass && !(Number.isInteger(opts.numClasses) && opts.numClasses! > 0)) {
      throw new RangeError(`randConv.perClass: needs the number of classes, got ${opts.numClasses}`);
    }
    this.needsLabels = opts.perClass === true;
  }

  apply(images: Tensor, labels?: Tensor): Tensor {
    const rng = drawRng();
    if (rng.random() >= this.opts.p) return images;
    const k = this.opts.kernelSizes[rng.int(this.opts.kernelSizes.length)]!;
    const [n, c, h, w] = images.shape as [number, number, number, number];
    const regions = this.opts.perClass ? this.opts.numClasses! : 1;
    const filters = this.opts.perImage || this.opts.perClass ? n : 1;
    const alphas = Array.from({ length: filters }, () => uniformIn(rng, this.opts.mix));
    return tidy(() => {
      // kaiming_normal_ with gain 1 (fan in), as the reference's nonlinearity='conv2d': output variance ≈ input variance
      const weight = randn([filters * regions * c, c, k, k], { device: images.device }).mul(1 / Math.sqrt(c * k * k));
      // per image: the N images become one image of N·c planes, filtered by N groups of c → regions·c filters
      const centred = images.sub(CENTRE);
      const padding = (k - 1) / 2;
      const filtered =
        filters === 1 ? F.conv2d(centred, weight, null, { padding }) : F.conv2d(centred.reshape([1, n * c, h, w]), weight, null, { padding, groups: n });
      const out = (regions === 1 ? filtered.reshape([n, c, h, w]) : this.pickByClass(filtered.reshape([n, regions, c, h, w]), images, labels)).add_(CENTRE);
      if (alphas.every((a) => a === 0)) return out;
      return blend(images, out, filters === 1 ? alphas[0]! : alphas);
    });
  }

  /** Each pixel takes the filter output of its class (N,K,3,H,W -> N,3,H,W, centred); ignored pixels keep the image. */
  private pickByClass(perClass: Tensor, images: Tensor, labels: Tensor | undefined): Tensor {
    if (!labels) throw new Error('randConv.perClass: the batch transform passed no labels');
    const classes = perClass.shape[1]!;
    const valid = labels.lt(classes);
    const mask = F.oneHot(F.where(valid, labels, 0), classes)
      .permute([0, 3, 1, 2])
      .unsqueeze(2)
      .float();
    return F.where(valid.unsqueeze(1), perClass.mul(mask).sum(1), images.sub(CENTRE));
  }

  dispose(): void {}
}
