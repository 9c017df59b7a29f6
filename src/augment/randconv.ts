// RandConv (Xu et al., ICLR 2021): the batch is convolved with a random-weight filter, re-drawn per batch,
// and mixed with the original. Random filters keep shapes (edges survive) but scramble colour and local
// texture, so a network trained on them must rely on shape.
import { F, randn, type Tensor, tidy } from '../tensor/index.js';
import { blend } from './blend.js';
import type { ImageAugment } from './image-augment.js';
import { drawRng, uniformIn } from './random.js';

/** Options of RandConv. */
export interface RandConvOptions {
  /** Odd kernel sizes; one is drawn per batch. */
  kernelSizes: readonly number[];
  /** Range of α in α·x + (1 − α)·conv(x), drawn per batch. */
  mix: readonly [number, number];
  /** Probability that a batch is augmented. */
  p: number;
  /** One filter and α per image (a grouped convolution) instead of one for the whole batch. */
  perImage?: boolean;
}

/** Grey level the images are centred on before the filter, so a zero-mean filter keeps the mean brightness. */
const CENTRE = 0.5;

/** RandConv as a batch augmentation (same filter for the whole batch, as the reference implementation, or one per image). */
export class RandConv implements ImageAugment {
  readonly name = 'randConv';

  constructor(readonly opts: RandConvOptions) {
    for (const k of opts.kernelSizes)
      if (!(Number.isInteger(k) && k > 0 && k % 2 === 1)) throw new RangeError(`randConv.kernelSizes: expected odd positive integers, got ${k}`);
  }

  apply(images: Tensor): Tensor {
    const rng = drawRng();
    if (rng.random() >= this.opts.p) return images;
    const k = this.opts.kernelSizes[rng.int(this.opts.kernelSizes.length)]!;
    const [n, c, h, w] = images.shape as [number, number, number, number];
    const filters = this.opts.perImage ? n : 1;
    const alphas = Array.from({ length: filters }, () => uniformIn(rng, this.opts.mix));
    return tidy(() => {
      // kaiming_normal_ with gain 1 (fan in), as the reference's nonlinearity='conv2d': output variance ≈ input variance
      const weight = randn([filters * c, c, k, k], { device: images.device }).mul(1 / Math.sqrt(c * k * k));
      // per image: the N images become one image of N·c planes, filtered by N groups of c → c filters
      const centred = images.sub(CENTRE);
      const padding = (k - 1) / 2;
      const filtered =
        filters === 1 ? F.conv2d(centred, weight, null, { padding }) : F.conv2d(centred.reshape([1, n * c, h, w]), weight, null, { padding, groups: n });
      const out = filtered.reshape([n, c, h, w]).add_(CENTRE);
      if (alphas.every((a) => a === 0)) return out;
      return filters === 1 ? images.mul(alphas[0]!).add_(out.mul_(1 - alphas[0]!)) : blend(images, out, alphas);
    });
  }

  dispose(): void {}
}
