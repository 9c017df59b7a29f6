// Boundary IoU (Cheng et al., CVPR 2021) per class over a dataset: for class k, G_d is the part of the
// ground-truth mask within d pixels of its contour and P_d likewise for the prediction;
// BIoU_k = |G_d ∩ P_d| / |G_d ∪ P_d| with counts summed over all images before dividing, and
// d = round(ratio × image diagonal) (chessboard distance, as the reference's 3×3 erosions).

import { IGNORE_INDEX } from '../data/label-spaces.js';
import { bandWidth, boundaryDistance } from './boundary-band.js';
import { nanMean } from './metrics.js';

/** What BoundaryIoU reports. */
export interface BoundaryIoUResult {
  /** Band width as a fraction of the image diagonal. */
  ratio: number;
  /** Per-class Boundary IoU; NaN where the class is in no band of either map. */
  perClass: Float64Array;
  /** Mean over the defined classes. */
  mean: number;
  intersection: Float64Array;
  union: Float64Array;
}

/** Accumulates Boundary IoU counts image by image; ground-truth ignore pixels count for neither map. */
export class BoundaryIoU {
  private readonly inter: Float64Array;
  private readonly uni: Float64Array;

  constructor(
    readonly numClasses: number,
    readonly ratio = 0.02,
    readonly ignoreIndex = IGNORE_INDEX,
  ) {
    bandWidth(ratio, 1, 1);
    this.inter = new Float64Array(numClasses);
    this.uni = new Float64Array(numClasses);
  }

  /** Adds one image (HW label maps of class indices). */
  update(target: ArrayLike<number>, pred: ArrayLike<number>, width: number, height: number): void {
    if (target.length !== width * height || pred.length !== width * height) {
      throw new Error(`BoundaryIoU.update: ${target.length} target and ${pred.length} predicted pixels for ${width}x${height}`);
    }
    const d = bandWidth(this.ratio, width, height);
    const gd = boundaryDistance(target, width, height, true);
    const pd = boundaryDistance(pred, width, height, true);
    const c = this.numClasses;
    for (let i = 0; i < target.length; i++) {
      const t = target[i]!;
      if (t === this.ignoreIndex) continue;
      const p = pred[i]!;
      const inG = t < c && gd[i]! < d;
      const inP = p < c && pd[i]! < d;
      if (inG && inP && t === p) {
        this.inter[t]!++;
        this.uni[t]!++;
        continue;
      }
      if (inG) this.uni[t]!++;
      if (inP) this.uni[p]!++;
    }
  }

  /** Per-class and mean Boundary IoU of everything added. */
  result(): BoundaryIoUResult {
    const perClass = this.inter.map((v, k) => (this.uni[k]! > 0 ? v / this.uni[k]! : NaN));
    return { ratio: this.ratio, perClass, mean: nanMean(perClass), intersection: this.inter.slice(), union: this.uni.slice() };
  }
}
