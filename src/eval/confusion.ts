// A confusion matrix that accumulates on the tensors' device: one bincount per
// update, no host sync until the counts are asked for.
import { IGNORE_INDEX } from '../data/label-spaces.js';
import { type Device, F, keep, noGrad, type Tensor, tidy, zeros } from '../tensor/index.js';
import { computeMetrics, type SegMetrics } from './metrics.js';

/**
 * C×C pixel counts, cm[target * C + pred], kept as int64 on `device`.
 * Two extra bins ride along: ignored pixels and out-of-range pixels (a label
 * neither in [0, C) nor `ignoreIndex`), so bad labels are reported, not dropped.
 */
export class ConfusionMatrix implements Disposable {
  readonly numClasses: number;
  readonly device: Device;
  readonly ignoreIndex: number;
  private counts: Tensor | null;

  constructor(numClasses: number, device: Device = 'cpu', ignoreIndex = IGNORE_INDEX) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    this.numClasses = numClasses;
    this.device = device;
    this.ignoreIndex = ignoreIndex;
    // kept: a matrix built inside someone's tidy() must outlive it
    this.counts = keep(zeros([numClasses * numClasses + 2], { dtype: 'int64', device }));
  }

  /** Adds the pixels of `target` (ground truth) and `pred` (class indices), any equal shapes, any integer dtype. */
  update(target: Tensor, pred: Tensor): void {
    const counts = this.live();
    if (target.numel() !== pred.numel()) {
      throw new Error(`ConfusionMatrix.update: target shape [${target.shape}] and prediction shape [${pred.shape}] differ in size`);
    }
    const c = this.numClasses;
    const cc = c * c;
    noGrad(() =>
      tidy(() => {
        const t = target.flatten().to({ device: this.device, dtype: 'int64' });
        const p = pred.flatten().to({ device: this.device, dtype: 'int64' });
        const inRange = t.ge(0).logicalAnd(t.lt(c)).logicalAnd(p.ge(0)).logicalAnd(p.lt(c));
        // ignored -> bin C*C, otherwise-invalid -> bin C*C+1
        const spill = t
          .eq(this.ignoreIndex)
          .long()
          .neg()
          .add(cc + 1);
        const idx = F.where(inRange, t.mul(c).add(p), spill);
        counts.add_(F.bincount(idx, cc + 2));
      }),
    );
  }

  /** Adds another matrix's counts (e.g. per-image into a total). */
  merge(other: ConfusionMatrix): void {
    if (other.numClasses !== this.numClasses) throw new Error(`ConfusionMatrix.merge: ${other.numClasses} classes vs ${this.numClasses}`);
    const src = other.live();
    noGrad(() => tidy(() => void this.live().add_(src.to(this.device))));
  }

  /** Fetches the C×C counts to the host (one sync). Throws if any pixel had an out-of-range label. */
  toHost(): { matrix: Float64Array; ignored: number } {
    const raw = this.live().toArray();
    const cc = this.numClasses * this.numClasses;
    const all = Float64Array.from(raw as ArrayLike<number | bigint>, (v) => Number(v));
    const invalid = all[cc + 1]!;
    if (invalid > 0) {
      throw new Error(
        `ConfusionMatrix: ${invalid} pixels had a target or prediction outside [0, ${this.numClasses}) that is not the ignore index ${this.ignoreIndex}; check the label space`,
      );
    }
    return { matrix: all.slice(0, cc), ignored: all[cc]! };
  }

  /** The C×C matrix as a Float64Array (row = target, column = prediction). */
  compute(): Float64Array {
    return this.toHost().matrix;
  }

  /** All metrics of the counts so far. */
  metrics(): SegMetrics {
    return computeMetrics(this.compute());
  }

  /** Zeroes the counts. */
  reset(): void {
    this.live().zero_();
  }

  /** Frees the device counts. */
  dispose(): void {
    this.counts?.dispose();
    this.counts = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private live(): Tensor {
    if (!this.counts) throw new Error('ConfusionMatrix used after dispose()');
    return this.counts;
  }
}
