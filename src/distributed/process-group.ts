// torch.distributed's default process group, thin: one per process, over c10d (native/distributed.cc).
import type { Tensor } from '../tensor/index.js';
import { Tensor as TensorClass } from '../tensor/index.js';
import { D } from './native.js';

/** The reductions all backends support (Gloo has no average: divide after a sum). */
export type ReduceOp = 'sum' | 'product' | 'max' | 'min';
/** c10d backends: Gloo for CPU tensors, NCCL for CUDA ones (when the addon was built with it). */
export type Backend = 'gloo' | 'nccl';

/** What init_process_group needs. */
export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  backend?: Backend;
  /** This process's index on its machine: with NCCL, host tensors are staged on cuda:localRank (default 0). */
  localRank?: number;
  /** Bound on rendezvous and on every collective (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Default timeout of rendezvous and collectives: 30 min, torch's (`distributed.timeoutSec`'s default too). */
export const DEFAULT_TIMEOUT_MS = 1_800_000;

/**
 * The process group of this process: rendezvous through a TCPStore hosted by rank 0, collectives in place and
 * synchronous. A rank that dies or hangs makes the others' next collective throw within the timeout, naming it.
 */
export class ProcessGroup {
  static #current: ProcessGroup | null = null;

  private constructor(
    readonly rank: number,
    readonly worldSize: number,
    readonly backend: Backend,
    private readonly localRank: number,
  ) {}

  /** Joins the group (blocks until every rank has, or throws naming the missing ranks after the timeout). */
  static init(opts: ProcessGroupOptions): ProcessGroup {
    if (ProcessGroup.#current) throw new Error('ProcessGroup.init: this process already belongs to a group');
    const backend = opts.backend ?? 'gloo';
    if (!D.distBackends().includes(backend)) {
      throw new Error(`ProcessGroup.init: backend '${backend}' is not in this addon build (has: ${D.distBackends().join(', ') || 'none'})`);
    }
    D.distInit(opts.rank, opts.worldSize, opts.masterAddr, opts.masterPort, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, backend);
    ProcessGroup.#current = new ProcessGroup(opts.rank, opts.worldSize, backend, opts.localRank ?? 0);
    return ProcessGroup.#current;
  }

  /** The group this process joined, or null. */
  static current(): ProcessGroup | null {
    return ProcessGroup.#current;
  }

  /** Reduces every tensor across ranks in place (one message for all of them; they must share dtype and device). */
  allReduce(tensors: Tensor | Tensor[], op: ReduceOp = 'sum'): void {
    this.onDevice(Array.isArray(tensors) ? tensors : [tensors], true, (ts) =>
      D.distAllReduce(
        ts.map((t) => t.handle),
        op,
      ),
    );
  }

  /** Overwrites the tensors on every rank with src's. */
  broadcast(tensors: Tensor | Tensor[], src = 0): void {
    if (!Number.isInteger(src) || src < 0 || src >= this.worldSize) {
      throw new Error(`broadcast: src ${src} is not a rank of this group (world size ${this.worldSize})`);
    }
    this.onDevice(Array.isArray(tensors) ? tensors : [tensors], true, (ts) =>
      D.distBroadcast(
        ts.map((t) => t.handle),
        src,
      ),
    );
  }

  /** Every rank's copy of tensor, indexed by rank (new tensors; same shape on every rank). */
  allGather(tensor: Tensor): Tensor[] {
    let parts: Tensor[] = [];
    this.onDevice([tensor], false, ([t]) => {
      parts = D.distAllGather(t!.handle).map((h) => TensorClass.fromHandle(h));
    });
    if (tensor.device !== 'cpu' || parts.every((p) => p.device === 'cpu')) return parts;
    return parts.map((p) => {
      const host = p.to('cpu');
      p.dispose();
      return host;
    });
  }

  /**
   * Runs a collective on ts; NCCL only takes CUDA tensors, so host ones (flags, counts, losses) travel through
   * this rank's GPU (cuda:localRank) and, when copyBack, their results back.
   */
  private onDevice(ts: Tensor[], copyBack: boolean, run: (ts: Tensor[]) => void): void {
    if (this.backend !== 'nccl' || ts.every((t) => t.device !== 'cpu')) {
      run(ts);
      return;
    }
    const staged = ts.map((t) => (t.device === 'cpu' ? t.to(`cuda:${this.localRank}`) : t));
    try {
      run(staged);
      if (copyBack) for (const [i, s] of staged.entries()) if (s !== ts[i]) ts[i]!.copy_(s);
    } finally {
      for (const [i, s] of staged.entries()) if (s !== ts[i]) s.dispose();
    }
  }

  /** Returns once every rank has called it. */
  barrier(): void {
    D.distBarrier();
  }

  /** Leaves the group (rank 0 waits, bounded, for the others, since it hosts the store). */
  destroy(): void {
    if (ProcessGroup.#current !== this) return;
    D.distDestroy();
    ProcessGroup.#current = null;
  }
}
