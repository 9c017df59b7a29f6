// Per-image weighted blending, the one formula FDA, AdaIN and the photometric ops share.
import { type Tensor, tensor } from '../tensor/index.js';

/** a·w + b·(1 − w) with one weight per image (w[i] broadcast over the rest of the N,... tensors). */
export function blend(a: Tensor, b: Tensor, w: number[]): Tensor {
  const shape = [w.length, ...a.shape.slice(1).map(() => 1)];
  const wt = tensor(w, shape, { device: a.device, dtype: 'float32' });
  return a.mul(wt).add(b.mul(wt.neg().add(1)));
}
