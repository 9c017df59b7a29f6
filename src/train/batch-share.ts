// A data-parallel rank's share of a global host batch: the contiguous run of samples rank·n/N .. (rank+1)·n/N,
// so N ranks together see exactly the batch one process with N times the batch size sees.
import type { HostBatch } from '../data/loader.js';
import type { BatchShare } from '../nn/index.js';

/** The rank's contiguous share of b (no copy: views of b's buffers); b.n must divide by the world size. */
export function batchShare(b: HostBatch, share: BatchShare): HostBatch {
  const { rank, worldSize } = share;
  if (b.n % worldSize !== 0) throw new Error(`batchShare: a batch of ${b.n} does not split into ${worldSize} equal shares`);
  const n = b.n / worldSize;
  const first = rank * n;
  const pixels = b.height * b.width;
  return {
    ...b,
    n,
    images: b.images.subarray(first * pixels * 3, (first + n) * pixels * 3),
    labels: b.labels.subarray(first * pixels, (first + n) * pixels),
    ids: b.ids.slice(first, first + n),
    indices: b.indices.slice(first, first + n),
  };
}
