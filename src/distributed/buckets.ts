// The one bucket planner of data parallelism (torch DDP's bucket_cap_mb): state broadcast, gradient all-reduce
// after backward, and the native reducer's overlapped buckets (given their order) all use it.
import { dtypeSize, type Tensor } from '../tensor/index.js';

/**
 * Splits tensors, in the given order, into consecutive runs of one dtype and device holding at most capBytes of
 * elements each (a tensor larger than the cap gets a bucket of its own).
 */
export function planBuckets(tensors: readonly Tensor[], capBytes: number): Tensor[][] {
  const out: Tensor[][] = [];
  let cur: Tensor[] = [];
  let bytes = 0;
  for (const t of tensors) {
    const size = t.numel() * dtypeSize(t.dtype);
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
