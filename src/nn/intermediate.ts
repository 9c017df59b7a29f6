// Forward passes free their intermediates eagerly: autograd keeps what backward needs on its own, and
// without this an inference pass would hold every activation until the caller's tidy() ends.
import type { Tensor } from '../tensor/index.js';

/** Applies f to the intermediate t, then disposes t unless f returned that very handle (in-place ops). */
export function consume(t: Tensor, f: (t: Tensor) => Tensor): Tensor {
  let out: Tensor;
  try {
    out = f(t);
  } catch (e) {
    t.dispose();
    throw e;
  }
  if (out !== t) t.dispose();
  return out;
}
