// Dtypes, devices and the RawTensor currency shared with src/io.

/** Element types a Tensor can hold (PyTorch names). */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';
/** Where a tensor lives. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
/** Memory layout of 4-d tensors. */
export type MemoryFormat = 'contiguous' | 'channelsLast';
/** Typed arrays accepted as tensor data or returned by toArray(). */
export type TypedArrayFor = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Int8Array;
/** Options of the tensor factories. */
export interface CreateOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

/** A contiguous host copy of a tensor, the currency of src/io (checkpoints). */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array /* little-endian bytes, row-major */;
}

/** Every public dtype, in a stable order. */
export const DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'];

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

/** True when s names a public dtype. */
export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && (DTYPES as readonly string[]).includes(s);
}

/** True for the floating point dtypes (the ones autograd works with). */
export function isFloatingDType(d: DType): boolean {
  return d === 'float32' || d === 'float16' || d === 'bfloat16';
}

/** Bytes per element of dtype d. */
export function dtypeSize(d: DType): number {
  return DTYPE_SIZE[d];
}

/** Number of elements of a shape. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
