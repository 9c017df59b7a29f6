// Data-parallel training over a process group, torch's DistributedDataParallel: state broadcast from rank 0 at
// the start, gradients all-reduced in buckets during the step's last backward (hooks in native/
// distributed_reducer.cc; so gradient accumulation exchanges nothing until its last micro-batch), and the loss
// normalised globally.
import { type DType, isFloatingDType, noGrad, type Tensor, tensor, zerosLike } from '../tensor/index.js';
import { planBuckets } from './buckets.js';
import { GlobalBatch } from './global-batch.js';
import { D } from './native.js';
import type { ProcessGroup } from './process-group.js';

/** How each rank's loss is normalised (see `distributed.lossNormalization` in the config). */
export type LossNormalization = 'global' | 'perRank';

/** What DataParallel needs. */
export interface DataParallelOptions {
  group: ProcessGroup;
  lossNormalization: LossNormalization;
  /** Gradient bucket size in MiB (torch DDP's bucket_cap_mb). */
  bucketCapMb: number;
  /** Reduce buckets during backward through hooks on the parameters (default true). */
  overlapBackward?: boolean;
}

/** Gradient and loss synchronisation of one data-parallel worker. */
export class DataParallel {
  readonly group: ProcessGroup;
  /** This rank's share of the global batch (the image-level augmentation draws for all of it). */
  readonly world: GlobalBatch;
  readonly lossNormalization: LossNormalization;
  private readonly capBytes: number;
  private readonly overlap: boolean;
  /** Handles of the parameters the native reducer is attached to ('' when none). */
  private attached = '';
  private armed = false;
  /** Buckets of the last reduction, and how many of them backward launched before it ended (the overlap). */
  lastReduction: { buckets: number; launchedDuringBackward: number } | null = null;

  constructor(o: DataParallelOptions) {
    this.group = o.group;
    this.world = GlobalBatch.of(o.group);
    this.lossNormalization = o.lossNormalization;
    this.capBytes = o.bucketCapMb * 2 ** 20;
    this.overlap = o.overlapBackward ?? true;
  }

  get rank(): number {
    return this.group.rank;
  }

  get worldSize(): number {
    return this.group.worldSize;
  }

  /** Copies rank 0's tensors (parameters and buffers, in the same order on every rank) to all ranks. */
  broadcastState(tensors: Tensor[]): void {
    noGrad(() => {
      const byDtype = new Map<DType, Tensor[]>();
      for (const t of tensors) byDtype.set(t.dtype, [...(byDtype.get(t.dtype) ?? []), t]);
      for (const ts of byDtype.values()) for (const b of planBuckets(ts, this.capBytes)) this.group.broadcast(b, 0);
    });
  }

  /**
   * The factor a micro-batch's mean loss is multiplied by before backward, given the micro-batch's labelled
   * (not ignored) pixels. 'global': this rank's share of the global batch's labelled pixels (one small
   * all-reduce), so the summed gradients are those of the global mean; 'perRank': 1 / worldSize (gradients
   * averaged, as torch DDP does).
   */
  lossWeight(local: number): number {
    if (this.lossNormalization === 'perRank') return 1 / this.worldSize;
    using count = tensor([local], [1], { dtype: 'float32' });
    // float32 counts exactly up to 2^24 valid pixels per global micro-batch; float64 is not in the tensor API
    this.group.allReduce(count);
    const global = count.item();
    return global > 0 ? local / global : 0;
  }

  /** Releases the native reducer (its buckets and parameter references). */
  dispose(): void {
    if (this.attached !== '') D.distReducerDetach();
    this.attached = '';
  }

  /** The parameters whose gradients are exchanged: floating-point leaves that require grad, in order. */
  private trained(params: Tensor[]): Tensor[] {
    return params.filter((p) => p.requiresGrad && isFloatingDType(p.dtype));
  }

  /**
   * Arms the native reducer for the coming backward (with overlapBackward): its hooks all-reduce each bucket as
   * soon as backward has produced all of the bucket's gradients. Re-attaches when the trained set changed
   * (e.g. BatchNorm frozen by a new phase).
   */
  beforeLastBackward(params: Tensor[]): void {
    if (!this.overlap) return;
    const trained = this.trained(params);
    const key = trained.map((p) => p.handle).join(',');
    if (key !== this.attached) {
      // reverse parameter order: roughly the order backward produces the gradients, so buckets fill early
      const plan = planBuckets([...trained].reverse(), this.capBytes);
      D.distReducerAttach(
        plan.flat().map((p) => p.handle),
        plan.map((b) => b.length),
      );
      this.attached = key;
    }
    D.distReducerArm();
    this.armed = true;
  }

  /**
   * Sums the gradients of params over ranks in buckets (a rank without a gradient contributes zeros) and
   * returns the sum of localLoss over ranks (the global batch's loss when localLoss carries lossWeight).
   */
  reduceGradients(params: Tensor[], localLoss: number): number {
    if (this.armed) {
      this.armed = false;
      this.lastReduction = D.distReducerFinish();
    } else this.reduceAfterBackward(params);
    using loss = tensor([localLoss], [1], { dtype: 'float32' });
    this.group.allReduce(loss);
    return loss.item();
  }

  /** All buckets after backward (overlapBackward off). */
  private reduceAfterBackward(params: Tensor[]): void {
    const grads: Tensor[] = [];
    try {
      for (const p of this.trained(params)) {
        let g = p.grad;
        if (g === null) {
          using zero = noGrad(() => zerosLike(p));
          p.setGrad(zero);
          g = p.grad!;
        }
        grads.push(g);
      }
      for (const b of planBuckets(grads, this.capBytes)) this.group.allReduce(b);
    } finally {
      for (const g of grads) g.dispose();
    }
  }
}
