// Data-parallel training over a process group, torch's DistributedDataParallel: state broadcast from rank 0 at
// the start, gradients all-reduced in buckets during the step's last backward (hooks in native/
// distributed_reducer.cc; so gradient accumulation exchanges nothing until its last micro-batch), and the loss
// normalised globally.
import { type DType, F, isFloatingDType, noGrad, type Tensor, tensor, zerosLike } from '../tensor/index.js';
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

/** The IGNORE label (255) is the data layer's; repeated here so this layer does not depend on src/train. */
const IGNORE_INDEX = 255;

/** Splits tensors (in order) into runs of one dtype of at most capBytes each (a tensor larger than cap alone). */
function buckets(ts: Tensor[], capBytes: number): Tensor[][] {
  const out: Tensor[][] = [];
  let cur: Tensor[] = [];
  let bytes = 0;
  for (const t of ts) {
    const size = t.numel() * 4;
    if (cur.length > 0 && (bytes + size > capBytes || cur[0]!.dtype !== t.dtype || cur[0]!.device !== t.device)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(t);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Gradient and loss synchronisation of one data-parallel worker. */
export class DataParallel {
  readonly group: ProcessGroup;
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

  /** The global batch view the image-level augmentation uses (see GlobalBatchView in src/augment). */
  readonly globalBatch = {
    gather: (local: Tensor): Tensor => {
      const parts = this.group.allGather(local);
      try {
        return F.cat(parts, 0);
      } finally {
        for (const p of parts) p.dispose();
      }
    },
    share: (global: Tensor): Tensor => {
      const n = global.shape[0]! / this.worldSize;
      return global.narrow(0, this.rank * n, n);
    },
  };

  /** Copies rank 0's tensors (parameters and buffers, in the same order on every rank) to all ranks. */
  broadcastState(tensors: Tensor[]): void {
    noGrad(() => {
      const byDtype = new Map<DType, Tensor[]>();
      for (const t of tensors) byDtype.set(t.dtype, [...(byDtype.get(t.dtype) ?? []), t]);
      for (const ts of byDtype.values()) for (const b of buckets(ts, this.capBytes)) this.group.broadcast(b, 0);
    });
  }

  /**
   * The factor a micro-batch's mean loss is multiplied by before backward. 'global': this rank's share of the
   * global batch's valid pixels (one small all-reduce), so the summed gradients are those of the global mean;
   * 'perRank': 1 / worldSize (gradients averaged, as torch DDP does).
   */
  lossWeight(labels: Tensor): number {
    if (this.lossNormalization === 'perRank') return 1 / this.worldSize;
    const local = noGrad(() => labels.ne(IGNORE_INDEX).sum().item());
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
      D.distReducerAttach(
        trained.map((p) => p.handle),
        Math.max(1, Math.floor(this.capBytes)),
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
      for (const b of buckets(grads, this.capBytes)) this.group.allReduce(b);
    } finally {
      for (const g of grads) g.dispose();
    }
  }
}
