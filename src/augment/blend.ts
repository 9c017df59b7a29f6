// Weighted blending, the one formula FDA, AdaIN, RandConv, MixStyle, the photometric ops and the augmented
// share of a batch use.
import { type Tensor, tensor } from '../tensor/index.js';

/** a·w + b·(1 − w): one weight for the whole batch, or one per image (w[i] broadcast over the rest of the N,... tensors). */
export function blend(a: Tensor, b: Tensor, w: number | number[]): Tensor {
  if (typeof w === 'number') return a.mul(w).add_(b.mul(1 - w));
  const shape = [w.length, ...a.shape.slice(1).map(() => 1)];
  const wt = tensor(w, shape, { device: a.device, dtype: 'float32' });
  return a.mul(wt).add(b.mul(wt.neg().add(1)));
}
