// Trimap-band metrics (Kohli et al. 2009's evaluation band, as DeepLab reports it): the confusion matrix
// restricted to pixels within d of a ground-truth class boundary, d = round(ratio × image diagonal).
// The image border is no boundary here: the band is about where classes meet.

import { IGNORE_INDEX } from '../data/label-spaces.js';
import { bandWidth, boundaryDistance } from './boundary-band.js';
import { computeMetrics, type SegMetrics } from './metrics.js';

/** What TrimapBand reports. */
export interface TrimapResult {
  ratio: number;
  /** C×C counts of the band pixels (row = ground truth). */
  confusion: Float64Array;
  metrics: SegMetrics;
}

/** Accumulates the band's confusion matrix image by image. */
export class TrimapBand {
  private readonly cm: Float64Array;

  constructor(
    readonly numClasses: number,
    readonly ratio = 0.02,
    readonly ignoreIndex = IGNORE_INDEX,
  ) {
    bandWidth(ratio, 1, 1);
    this.cm = new Float64Array(numClasses * numClasses);
  }

  /** Adds one image (HW label maps of class indices). */
  update(target: ArrayLike<number>, pred: ArrayLike<number>, width: number, height: number): void {
    if (target.length !== width * height || pred.length !== width * height) {
      throw new Error(`TrimapBand.update: ${target.length} target and ${pred.length} predicted pixels for ${width}x${height}`);
    }
    const d = bandWidth(this.ratio, width, height);
    const gd = boundaryDistance(target, width, height, false);
    const c = this.numClasses;
    for (let i = 0; i < target.length; i++) {
      const t = target[i]!;
      const p = pred[i]!;
      if (t === this.ignoreIndex || gd[i]! >= d) continue;
      if (t >= c || p >= c) throw new Error(`TrimapBand: pixel ${i} has target ${t} / prediction ${p} outside [0, ${c})`);
      this.cm[t * c + p]!++;
    }
  }

  /** The band's confusion matrix and metrics (mIoU etc.). */
  result(): TrimapResult {
    return { ratio: this.ratio, confusion: this.cm.slice(), metrics: computeMetrics(this.cm) };
  }
}
