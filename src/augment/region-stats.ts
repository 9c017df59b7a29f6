// Colour statistics of the class regions of a labelled batch: one region per (image, class), the unit the
// cue-conflict method moves colour statistics between. Sums go through a one-hot matmul rather than scatter-adds,
// so they are deterministic on CUDA too (same seed, same images).
import { arange, F, type Tensor } from '../tensor/index.js';

/** The class count a label-reading method was built with, or a RangeError naming the method. */
export function requireNumClasses(method: string, numClasses: number | undefined): number {
  if (!(Number.isInteger(numClasses) && numClasses! > 0)) throw new RangeError(`${method}: needs the number of classes, got ${numClasses}`);
  return numClasses!;
}

/** Per-region pixel counts and per-channel statistics of an N,C,H,W batch; region r = n·K + class. */
export interface RegionStats {
  /** N,K pixel counts (float). */
  count: Tensor;
  /** N·K, C per-channel means (0 for an empty region). */
  mean: Tensor;
  /** N·K, C per-channel standard deviations over the region's pixels (population, as AdaIN's spatial statistics). */
  std: Tensor;
  /** N·H·W int64: each pixel's region (pixels without a class point at their image's class 0; see `valid`). */
  index: Tensor;
  /** N,H,W bool: the pixel has a class (label < K; 255 = ignore has none). */
  valid: Tensor;
}

/**
 * Each pixel's region r = n·K + class of an N,H,W int64 label batch (N·H·W; pixels without a class point at their
 * image's class 0) and whether it has a class (N,H,W bool: label < K; 255 = ignore has none).
 */
export function regionIndex(labels: Tensor, numClasses: number): { index: Tensor; valid: Tensor; classes: Tensor } {
  const n = labels.shape[0]!;
  const valid = labels.lt(numClasses);
  const classes = F.where(valid, labels, 0);
  const index = arange(0, n * numClasses, numClasses, { device: labels.device })
    .reshape([n, 1, 1])
    .add(classes)
    .flatten();
  return { index, valid, classes };
}

/** Region statistics of float images x (N,C,H,W) under labels (N,H,W int64; labels ≥ numClasses belong to no region). */
export function regionStats(x: Tensor, labels: Tensor, numClasses: number): RegionStats {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const k = numClasses;
  const { index, valid, classes: cls } = regionIndex(labels, k);
  const member = F.oneHot(cls, k)
    .float()
    .mul(valid.unsqueeze(3).float())
    .reshape([n, h * w, k]);
  const count = member.sum(1);
  const denom = count.clamp(1).unsqueeze(1);
  const mean = x
    .reshape([n, c, h * w])
    .matmul(member)
    .div(denom)
    .transpose(1, 2)
    .reshape([n * k, c]);
  // centred second moment: exact for the region's own mean, no cancellation of E[x²] − E[x]²
  const variance = x
    .sub(perPixel(mean, index, [n, h, w]))
    .pow(2)
    .reshape([n, c, h * w])
    .matmul(member)
    .div(denom)
    .transpose(1, 2)
    .reshape([n * k, c]);
  return { count, mean, std: variance.sqrt(), index, valid };
}

/** Each pixel's row of a region table (R, C) as an N,C,H,W map, for pixel regions `index` (N·H·W) of an N,H,W batch. */
export function perPixel(table: Tensor, index: Tensor, [n, h, w]: readonly [number, number, number]): Tensor {
  const c = table.shape[1]!;
  return table.indexSelect(0, index).reshape([n, h, w, c]).permute([0, 3, 1, 2]);
}
