// Element types as stored in checkpoint files, and PyTorch's pickled storage classes (torch.<X>Storage).
import { type DType, isDType } from '../tensor/dtype.js';
import { CheckpointError } from './errors.js';

/** Every element type a checkpoint may hold; those outside DType are rejected when a tensor is materialised. */
export type StoredDType = DType | 'float64' | 'int16' | 'int8';

const STORED_SIZES: Readonly<Record<StoredDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** Bytes per element of a stored dtype. */
export function storedSize(dtype: StoredDType): number {
  return STORED_SIZES[dtype];
}

/** `dtype` as a tensor DType; throws naming the file and tensor when shapeseg tensors cannot hold it. */
export function toDType(file: string, tensor: string, dtype: StoredDType): DType {
  if (isDType(dtype)) return dtype;
  throw new CheckpointError(file, `tensor '${tensor}' has dtype ${dtype}, which shapeseg tensors do not support`);
}

const STORAGE_DTYPES: Readonly<Record<string, StoredDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The dtype of `torch.<name>`, or undefined when `name` is not a supported storage class. */
export function storageDType(name: string): StoredDType | undefined {
  return Object.hasOwn(STORAGE_DTYPES, name) ? STORAGE_DTYPES[name] : undefined;
}

/** The `torch.<X>Storage` class name for `dtype`. */
export function storageClassName(dtype: StoredDType): string {
  for (const [name, d] of Object.entries(STORAGE_DTYPES)) if (d === dtype) return name;
  throw new Error(`no torch storage class for dtype '${dtype}'`);
}

/** Row-major (contiguous) strides for `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Whether `stride` describes a row-major layout of `shape` (size-1 dims may have any stride). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 0) return true;
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}
