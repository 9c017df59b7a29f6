// Model tensors as host float32 arrays in NCHW order, whatever their device or memory format (a model loaded for CPU
// inference holds channels-last convolution weights).
import type { Tensor } from '../../tensor/index.js';
import { tidy } from '../../tensor/index.js';

/** A float32 copy of `t` on the host in its logical (contiguous NCHW) order. */
export function hostFloats(t: Tensor): Float32Array {
  return tidy(() => t.detach().to({ device: 'cpu', dtype: 'float32' }).contiguous().toArray() as Float32Array);
}
