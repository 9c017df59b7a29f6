// Segmentation metrics from a C×C confusion matrix held on the host.
// Layout: cm[target * C + pred] (rows = ground truth, columns = prediction),
// the layout `bincount(target * C + pred)` produces.

import { IGNORE_INDEX } from '../data/label-spaces.js';

/** Every metric derived from one confusion matrix. NaN marks "undefined" (class absent). */
export interface SegMetrics {
  numClasses: number;
  /** IoU per class; NaN where the class is absent from both ground truth and prediction. */
  perClassIoU: Float64Array;
  /** Recall per class (tp / gt pixels); NaN where the class is absent from the ground truth. */
  perClassAccuracy: Float64Array;
  /** Ground-truth pixel count per class (row sums). */
  gtPixels: Float64Array;
  /** Predicted pixel count per class (column sums). */
  predPixels: Float64Array;
  /** Valid (non-ignored) pixels counted. */
  totalPixels: number;
  /** Mean of the defined per-class IoUs. */
  mIoU: number;
  /** How many classes entered the mean IoU. */
  classesInMean: number;
  pixelAccuracy: number;
  meanClassAccuracy: number;
  frequencyWeightedIoU: number;
}

/** Side length C of a flattened C×C matrix; throws if its length is not a square. */
export function matrixSide(cm: ArrayLike<number>): number {
  const c = Math.round(Math.sqrt(cm.length));
  if (c * c !== cm.length || c === 0) {
    throw new Error(`confusion matrix has ${cm.length} entries, not C*C for an integer C >= 1`);
  }
  return c;
}

/** Row sums (ground-truth pixels per class). */
export function gtCounts(cm: ArrayLike<number>): Float64Array {
  const c = matrixSide(cm);
  const out = new Float64Array(c);
  for (let t = 0; t < c; t++) for (let p = 0; p < c; p++) out[t]! += cm[t * c + p]!;
  return out;
}

/** Column sums (predicted pixels per class). */
export function predCounts(cm: ArrayLike<number>): Float64Array {
  const c = matrixSide(cm);
  const out = new Float64Array(c);
  for (let t = 0; t < c; t++) for (let p = 0; p < c; p++) out[p]! += cm[t * c + p]!;
  return out;
}

/** Diagonal (true positives per class). */
export function truePositives(cm: ArrayLike<number>): Float64Array {
  const c = matrixSide(cm);
  const out = new Float64Array(c);
  for (let k = 0; k < c; k++) out[k] = cm[k * c + k]!;
  return out;
}

/** Per-class IoU = tp / (gt + pred - tp); NaN where the class is in neither gt nor prediction. */
export function perClassIoU(cm: ArrayLike<number>): Float64Array {
  const tp = truePositives(cm);
  const gt = gtCounts(cm);
  const pr = predCounts(cm);
  return tp.map((v, k) => {
    const union = gt[k]! + pr[k]! - v;
    return union > 0 ? v / union : NaN;
  });
}

/** Per-class accuracy (recall) = tp / gt; NaN where the class is absent from the ground truth. */
export function perClassAccuracy(cm: ArrayLike<number>): Float64Array {
  const tp = truePositives(cm);
  const gt = gtCounts(cm);
  return tp.map((v, k) => (gt[k]! > 0 ? v / gt[k]! : NaN));
}

/** Mean over the non-NaN entries; NaN if there are none. */
export function nanMean(xs: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (!Number.isNaN(x)) {
      sum += x;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/** Mean IoU over the classes present in ground truth or prediction. */
export function meanIoU(cm: ArrayLike<number>): number {
  return nanMean(perClassIoU(cm));
}

/** Correct pixels / valid pixels; NaN if no pixel was counted. */
export function pixelAccuracy(cm: ArrayLike<number>): number {
  const total = sumAll(cm);
  if (total === 0) return NaN;
  return truePositives(cm).reduce((a, b) => a + b, 0) / total;
}

/** Mean of per-class accuracies over the classes present in the ground truth. */
export function meanClassAccuracy(cm: ArrayLike<number>): number {
  return nanMean(perClassAccuracy(cm));
}

/** Σ_c (gt_c / total) · IoU_c; classes absent from the ground truth have weight 0. */
export function frequencyWeightedIoU(cm: ArrayLike<number>): number {
  const total = sumAll(cm);
  if (total === 0) return NaN;
  const gt = gtCounts(cm);
  const iou = perClassIoU(cm);
  let fw = 0;
  for (let k = 0; k < gt.length; k++) if (gt[k]! > 0) fw += (gt[k]! / total) * iou[k]!;
  return fw;
}

/** All metrics of a C×C confusion matrix in one pass-friendly bundle. */
export function computeMetrics(cm: ArrayLike<number>): SegMetrics {
  const c = matrixSide(cm);
  const iou = perClassIoU(cm);
  return {
    numClasses: c,
    perClassIoU: iou,
    perClassAccuracy: perClassAccuracy(cm),
    gtPixels: gtCounts(cm),
    predPixels: predCounts(cm),
    totalPixels: sumAll(cm),
    mIoU: nanMean(iou),
    classesInMean: iou.reduce((n, v) => (Number.isNaN(v) ? n : n + 1), 0),
    pixelAccuracy: pixelAccuracy(cm),
    meanClassAccuracy: meanClassAccuracy(cm),
    frequencyWeightedIoU: frequencyWeightedIoU(cm),
  };
}

/** Counts a confusion matrix on the host (reference for tests and small label maps). */
export function countConfusion(target: ArrayLike<number>, pred: ArrayLike<number>, numClasses: number, ignoreIndex = IGNORE_INDEX): Float64Array {
  if (target.length !== pred.length) {
    throw new Error(`target has ${target.length} pixels but prediction has ${pred.length}`);
  }
  const cm = new Float64Array(numClasses * numClasses);
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!;
    if (t === ignoreIndex) continue;
    const p = pred[i]!;
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) {
      throw new Error(`pixel ${i}: target ${t} / prediction ${p} outside [0, ${numClasses}) and not ignore (${ignoreIndex})`);
    }
    cm[t * numClasses + p]!++;
  }
  return cm;
}

function sumAll(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

/** Mean of the defined IoUs of the subset's classes (null when none is defined), e.g. SYNTHIA's 13-class mIoU. */
export function subsetMIoU(perClass: ArrayLike<number | null>, classNames: readonly string[], classes: readonly string[]): number | null {
  const vals = classes.map((c) => perClass[classNames.indexOf(c)]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0) / vals.length;
}
