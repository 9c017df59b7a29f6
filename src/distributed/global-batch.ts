// The one rule of data parallelism here: N processes behave like one process with the global batch. Every
// rank plans the global batch, draws its randomness for all of it, and keeps its own contiguous share.
import { F, type Tensor } from '../tensor/index.js';
import type { ProcessGroup } from './process-group.js';

/** This process's place among the ranks and its share of anything global (batch, dataset, mask). */
export class GlobalBatch {
  /** One process alone: its share is everything, gathering is the identity. */
  static readonly single = new GlobalBatch(0, 1, null);

  private constructor(
    readonly rank: number,
    readonly worldSize: number,
    /** The process group the ranks gather over; null when alone. */
    readonly group: ProcessGroup | null,
  ) {}

  /** The global batch of a process group's ranks (`single` without a group or with one rank). */
  static of(group: ProcessGroup | null | undefined): GlobalBatch {
    return group && group.worldSize > 1 ? new GlobalBatch(group.rank, group.worldSize, group) : GlobalBatch.single;
  }

  /** A share without a group (planning only: gather() throws), e.g. a loader test of rank 1 of 3. */
  static planned(rank: number, worldSize: number): GlobalBatch {
    if (!(Number.isInteger(worldSize) && worldSize > 0 && Number.isInteger(rank) && rank >= 0 && rank < worldSize)) {
      throw new RangeError(`share: rank ${rank} is not in a world of ${worldSize}`);
    }
    return worldSize === 1 ? GlobalBatch.single : new GlobalBatch(rank, worldSize, null);
  }

  /** True with more than one rank. */
  get distributed(): boolean {
    return this.worldSize > 1;
  }

  /** [start, end) of this rank's contiguous block of n items; blocks differ by at most one item when n does not divide. */
  range(n: number): [number, number] {
    return [Math.floor((this.rank * n) / this.worldSize), Math.floor(((this.rank + 1) * n) / this.worldSize)];
  }

  /** This rank's block of a global list (dataset indices of a batch, of a validation set). */
  shareOf<T>(items: readonly T[]): T[] {
    const [start, end] = this.range(items.length);
    return items.slice(start, end);
  }

  /** This rank's block (dim 0) of a global tensor whose first dimension divides by the world size (a view). */
  slice(global: Tensor): Tensor {
    const n = global.shape[0]!;
    if (n % this.worldSize !== 0) throw new RangeError(`a global batch of ${n} does not split into ${this.worldSize} equal shares`);
    const [start, end] = this.range(n);
    return global.narrow(0, start, end - start);
  }

  /** Every rank's local tensor concatenated in rank order along dim 0 (a collective; the tensor itself when alone). */
  gather(local: Tensor): Tensor {
    if (!this.distributed) return local.clone();
    if (this.group === null) throw new Error('GlobalBatch.gather: this share was planned without a process group');
    const parts = this.group.allGather(local);
    try {
      return F.cat(parts, 0);
    } finally {
      for (const p of parts) p.dispose();
    }
  }
}
