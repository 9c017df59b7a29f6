// Region repainting: domain randomisation by the label map (Tobin et al. 2017, per class region instead of per
// rendered part). Each class region of an image is painted over with a random texture of the generator's simple
// families (flat, stripes, checker, gradient) in two random colours plus pixel noise, so that nothing inside a region
// tells its class and only its outline, size and place do. Unlike `synth --style random` it needs only the label map,
// so it works on real Virtual KITTI as on any labelled dataset. The test styles' texture families (held-out,
// unseen) are deliberately not among these.
import * as z from 'zod';
import { arange, F, randn, type Tensor, tensor, tidy } from '../tensor/index.js';
import type { ImageAugment } from './image-augment.js';
import { drawRng } from './random.js';
import { perPixel, regionIndex, requireNumClasses } from './region-stats.js';
import { orderedPair, unitInterval } from './schema-parts.js';

/** The texture families a repainted region draws from. */
export const REPAINT_FAMILIES = ['flat', 'stripes', 'checker', 'gradient'] as const;

/** `augment.repaint`: every class region of an image painted over with a random simple texture. */
export const RepaintSchema = z.strictObject({
  /** Probability that an image is repainted (drawn per image; `augment.fraction` applies on top). */
  p: unitInterval.default(1),
  /** Probability that each class region of a repainted image is repainted (the others keep their pixels). */
  regions: unitInterval.default(1),
  /** Pattern period in pixels, drawn log-uniformly per region. */
  period: orderedPair(z.number().min(1)).default([3, 40]),
  /** Std of the per-pixel Gaussian noise (image scale 0..1), drawn uniformly per region from [0, noise]. */
  noise: unitInterval.default(0.05),
});

/** Validated `augment.repaint`. */
export type RepaintConfig = z.output<typeof RepaintSchema>;

/** Options of RegionRepaint: the validated `augment.repaint` and the class count. */
export type RepaintOptions = RepaintConfig & {
  /** Classes of the label space (labels ≥ it, such as 255 = ignore, keep their pixels); filled in from the data. */
  numClasses?: number;
};

/** Column offsets of the per-region parameter table (drawRepaintTable, paintRegions). */
export const TABLE_COLUMN = { family: 0, a: 4, b: 7, cos: 10, sin: 11, invPeriod: 12, noise: 13, on: 14 } as const;
/** Values per region in that table. */
export const TABLE_WIDTH = 15;

/** A gradient spans this many periods (a region's gradient is smooth at every drawn period). */
const GRADIENT_PERIODS = 10;

/** ⌊v⌋ mod 2 of a non-negative float tensor (the int64 cast truncates, which is ⌊·⌋ for v ≥ 0). */
function parity(v: Tensor): Tensor {
  const q = v.long().float();
  return q.sub(q.div(2).long().float().mul(2));
}

/**
 * The parameter table of the N·K regions (region r = n·K + class), drawn from `rng` in region order: family
 * one-hot, colours a and b, direction, 1/period, noise std, and whether the region is repainted.
 */
export function drawRepaintTable(n: number, k: number, restyle: readonly boolean[], opts: RepaintConfig, rng: { random(): number }): number[] {
  const table = new Array<number>(n * k * TABLE_WIDTH).fill(0);
  const [lo, hi] = opts.period;
  for (let r = 0; r < n * k; r++) {
    const row = r * TABLE_WIDTH;
    const family = Math.min(REPAINT_FAMILIES.length - 1, Math.floor(rng.random() * REPAINT_FAMILIES.length));
    table[row + TABLE_COLUMN.family + family] = 1;
    for (let j = 0; j < 3; j++) table[row + TABLE_COLUMN.a + j] = rng.random();
    for (let j = 0; j < 3; j++) table[row + TABLE_COLUMN.b + j] = rng.random();
    const angle = Math.PI * rng.random();
    table[row + TABLE_COLUMN.cos] = Math.cos(angle);
    table[row + TABLE_COLUMN.sin] = Math.sin(angle);
    table[row + TABLE_COLUMN.invPeriod] = 1 / Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.random());
    table[row + TABLE_COLUMN.noise] = opts.noise * rng.random();
    table[row + TABLE_COLUMN.on] = restyle[Math.floor(r / k)]! && rng.random() < opts.regions ? 1 : 0;
  }
  return table;
}

/** Paints class regions over with random flat, striped, checked or graded textures (labels untouched). */
export class RegionRepaint implements ImageAugment {
  readonly name = 'repaint';
  readonly needsLabels = true;

  private readonly numClasses: number;

  constructor(readonly opts: RepaintOptions) {
    this.numClasses = requireNumClasses('repaint', opts.numClasses);
  }

  apply(images: Tensor, labels: Tensor): Tensor {
    const rng = drawRng();
    const n = images.shape[0]!;
    const k = this.numClasses;
    const restyle = Array.from({ length: n }, () => rng.random() < this.opts.p);
    if (!restyle.some(Boolean)) return images;
    return paintRegions(images, labels, k, drawRepaintTable(n, k, restyle, this.opts, rng));
  }

  dispose(): void {}
}

/**
 * Paints the regions of `images` (N,C,H,W in [0, 1]) under `labels` (N,H,W int64) with the textures of `table`
 * (drawRepaintTable's rows, one per region n·K + class); regions whose row is off, and pixels without a class, keep
 * their values bit for bit.
 */
export function paintRegions(images: Tensor, labels: Tensor, k: number, table: readonly number[]): Tensor {
  const [n, c, h, w] = images.shape as [number, number, number, number];
  if (table.length !== n * k * TABLE_WIDTH) throw new RangeError(`repaint: a table of ${table.length} values for ${n * k} regions (${TABLE_WIDTH} each)`);
  const values = table as number[];
  return tidy(() => {
    const device = images.device;
    const { index, valid } = regionIndex(labels, k);
    const p = perPixel(tensor(values, [n * k, TABLE_WIDTH], { device }), index, [n, h, w]);
    const col = (j: number, width = 1) => p.narrow(1, j, width);
    const xs = arange(0, w, 1, { device }).float().reshape([1, 1, 1, w]);
    const ys = arange(0, h, 1, { device }).float().reshape([1, 1, h, 1]);
    // rotated pixel coordinates in periods, shifted so they are non-negative (the parity's floor needs it)
    const shift = (w + h) * 2;
    const u = xs.mul(col(TABLE_COLUMN.cos)).add(ys.mul(col(TABLE_COLUMN.sin)));
    const v = ys.mul(col(TABLE_COLUMN.cos)).sub(xs.mul(col(TABLE_COLUMN.sin)));
    const uq = u.add(shift).mul(col(TABLE_COLUMN.invPeriod));
    const vq = v.add(shift).mul(col(TABLE_COLUMN.invPeriod));
    const stripes = parity(uq.mul(2));
    const checker = parity(uq.long().float().add(vq.long().float()));
    const centre = col(TABLE_COLUMN.cos)
      .mul(w / 2)
      .add(col(TABLE_COLUMN.sin).mul(h / 2));
    const gradient = u.sub(centre).mul(col(TABLE_COLUMN.invPeriod)).div(GRADIENT_PERIODS).add(0.5).clamp(0, 1);
    const t = col(TABLE_COLUMN.family + 1)
      .mul(stripes)
      .add(col(TABLE_COLUMN.family + 2).mul(checker))
      .add(col(TABLE_COLUMN.family + 3).mul(gradient));
    const a = col(TABLE_COLUMN.a, 3);
    const painted = a
      .add(col(TABLE_COLUMN.b, 3).sub(a).mul(t))
      .add(randn([n, c, h, w], { device }).mul(col(TABLE_COLUMN.noise)))
      .to(images.dtype);
    const changed = col(TABLE_COLUMN.on).gt(0).logicalAnd(valid.unsqueeze(1));
    return F.where(changed, painted, images);
  });
}
