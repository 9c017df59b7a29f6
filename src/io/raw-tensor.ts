// Validation of RawTensors handed to the checkpoint writers (they come from user code, not from libtorch), and
// their float32 values as arrays for comparisons.
import type { RawTensor } from '../tensor/dtype.js';
import { dtypeSize, isDType, numelOf } from '../tensor/dtype.js';
import { CheckpointError } from './errors.js';

/** Throws naming `file` and `key` unless `t` is a well-formed RawTensor (known dtype, sane shape, byte length). */
export function checkRawTensor(file: string, key: string, t: RawTensor): void {
  if (!t || !isDType(t.dtype)) throw new CheckpointError(file, `tensor '${key}' has unsupported dtype '${t?.dtype}'`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CheckpointError(file, `tensor '${key}' has invalid shape ${JSON.stringify(t.shape)}`);
  }
  const need = numelOf(t.shape) * dtypeSize(t.dtype);
  if (!(t.data instanceof Uint8Array) || t.data.length !== need) {
    throw new CheckpointError(file, `tensor '${key}' has ${t.data?.length} bytes of data, expected ${need} for ${t.dtype} [${t.shape}]`);
  }
}

/** The float32 tensors of a state dict as (copied) Float32Arrays, by key; other dtypes are left out. */
export function float32Arrays(sd: Map<string, RawTensor>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, raw] of sd) if (raw.dtype === 'float32') out.set(k, new Float32Array(raw.data.slice().buffer));
  return out;
}
