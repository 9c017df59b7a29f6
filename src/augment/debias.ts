// Shape–texture debiased training (Li et al., ICLR 2021) brought to dense prediction: each class region of a
// cue-conflict image wears the colour statistics of a region of another class, and the loss target mixes the
// label (the shape) with that class (the texture), γ·onehot(label) + (1 − γ)·onehot(texture class), per pixel.
// The paper's cue-conflict images are whole-image style transfers between classes; per region in pixel space,
// the transfer is AdaIN's per-channel mean and std over the region's pixels. The source region's own
// high-frequency texture is not pasted in: regions differ in shape, so there is no patch to take it from without
// a learned stylizer; RandConv or photometric noise after this method add local texture where wanted.
import * as z from 'zod';
import type { Rng } from '../data/rng.js';
import { F, type Tensor, tensor, tidy } from '../tensor/index.js';
import type { ImageAugment, TexturedImages } from './image-augment.js';
import { drawRng } from './random.js';
import { perPixel, regionStats, requireNumClasses } from './region-stats.js';
import { unitInterval } from './schema-parts.js';

/** `augment.debias`: cue-conflict images with a soft shape/texture target, per pixel (Li et al., ICLR 2021). */
export const DebiasSchema = z.strictObject({
  /** γ: weight of the label in the per-pixel target; 1 − γ goes to the class whose statistics the pixel wears (the paper's 0.8). */
  gamma: unitInterval.default(0.8),
  /** Probability that an image is restyled (drawn per image; `augment.fraction` applies on top). */
  p: unitInterval.default(1),
  /** Where a region's texture comes from: a region of another class anywhere in the batch, or in the same image. */
  source: z.enum(['batch', 'image']).default('batch'),
});

type DebiasConfig = z.output<typeof DebiasSchema>;

/** Options of ShapeTextureDebias: the validated `augment.debias` and the class count. */
export type DebiasOptions = DebiasConfig & {
  /** Classes of the label space (labels ≥ it, such as 255 = ignore, keep their pixels); filled in from the data. */
  numClasses?: number;
};

/** Smallest region (pixels) whose statistics another region may take: a std of fewer pixels is mostly noise. */
export const MIN_SOURCE_PIXELS = 16;

/** Keeps the division finite for a flat region (a constant region takes the source mean, its own std being 0). */
const EPS = 1e-6;

/**
 * For each region r = n·K + c of a batch (counts: N·K pixel counts): the region whose statistics it takes, or -1 to
 * keep its own. Only the images in `restyle` change; sources are regions of another class with at least
 * MIN_SOURCE_PIXELS pixels, anywhere in the batch or in the same image, drawn uniformly; none: the region keeps its own.
 */
export function drawTextureSources(counts: ArrayLike<number>, numClasses: number, restyle: boolean[], source: DebiasConfig['source'], rng: Rng): number[] {
  const k = numClasses;
  const sources = new Array<number>(counts.length).fill(-1);
  const pool = Array.from({ length: counts.length }, (_, r) => r).filter((r) => counts[r]! >= MIN_SOURCE_PIXELS);
  restyle.forEach((on, i) => {
    if (!on) return;
    const own = source === 'image' ? pool.filter((r) => Math.floor(r / k) === i) : pool;
    for (let c = 0; c < k; c++) {
      if (counts[i * k + c]! === 0) continue;
      const candidates = own.filter((r) => r % k !== c);
      if (candidates.length > 0) sources[i * k + c] = candidates[rng.int(candidates.length)]!;
    }
  });
  return sources;
}

/** Cue-conflict restyling of class regions with the per-pixel texture-source map the soft-target loss reads. */
export class ShapeTextureDebias implements ImageAugment {
  readonly name = 'debias';
  readonly needsLabels = true;

  private readonly numClasses: number;

  constructor(readonly opts: DebiasOptions) {
    this.numClasses = requireNumClasses('debias', opts.numClasses);
  }

  apply(images: Tensor, labels: Tensor): Tensor {
    return this.applyTextured(images, labels).images;
  }

  applyTextured(images: Tensor, labels: Tensor): TexturedImages {
    const rng = drawRng();
    const [n, c, h, w] = images.shape as [number, number, number, number];
    const k = this.numClasses;
    const shapeWeight = this.opts.gamma;
    const restyle = Array.from({ length: n }, () => rng.random() < this.opts.p);
    if (!restyle.some(Boolean)) return { images, texture: { labels, shapeWeight } };
    return tidy(() => {
      const stats = regionStats(images, labels, k);
      const sources = drawTextureSources(stats.count.flatten().toArray() as Float32Array, k, restyle, this.opts.source, rng);
      if (sources.every((s) => s < 0)) return { images, texture: { labels, shapeWeight } };
      const device = images.device;
      const from = sources.map((s, r) => (s < 0 ? r : s));
      const table = F.cat([stats.mean, stats.std], 1);
      const own = perPixel(table, stats.index, [n, h, w]);
      const target = perPixel(table.indexSelect(0, tensor(from, [n * k], { device, dtype: 'int64' })), stats.index, [n, h, w]);
      const ownStd = own.narrow(1, c, c).pow(2).add(EPS).sqrt();
      const restyled = images
        .sub(own.narrow(1, 0, c))
        .div(ownStd)
        .mul(target.narrow(1, c, c))
        .add(target.narrow(1, 0, c));
      const region = (values: number[]) =>
        tensor(values, [n * k], { device, dtype: 'int64' })
          .indexSelect(0, stats.index)
          .reshape([n, h, w]);
      // regions without a source (and ignored pixels) keep their values bit for bit
      const changed = region(sources.map((s) => (s < 0 ? 0 : 1)))
        .ne(0)
        .logicalAnd(stats.valid);
      const textureLabels = F.where(stats.valid, region(from.map((r) => r % k)), labels);
      return { images: F.where(changed.unsqueeze(1), restyled, images), texture: { labels: textureLabels, shapeWeight } };
    });
  }

  dispose(): void {}
}
