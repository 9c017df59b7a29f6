// Tensor factories and the global random generators.
import type { CreateOptions, Device, DType, RawTensor } from './dtype.js';
import { isDType, numelOf } from './dtype.js';
import { N, type NativeArg, type NativeHandle } from './native.js';
import { Tensor } from './tensor.js';

type NumericArray =
  | ArrayLike<number>
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Int8Array
  | Int16Array
  | Uint8ClampedArray
  | Uint32Array;

/** The native source dtype of a typed array's bytes, or null when it must be converted first. */
function typedArraySource(data: ArrayBufferView): { bytes: ArrayBufferView; src: string; dtype: DType } | null {
  if (data instanceof Float32Array) return { bytes: data, src: 'float32', dtype: 'float32' };
  if (data instanceof Float64Array) return { bytes: data, src: 'float64', dtype: 'float32' };
  if (data instanceof Int32Array) return { bytes: data, src: 'int32', dtype: 'int32' };
  if (data instanceof BigInt64Array) return { bytes: data, src: 'int64', dtype: 'int64' };
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return { bytes: data, src: 'uint8', dtype: 'uint8' };
  if (data instanceof Int8Array) return { bytes: data, src: 'int8', dtype: 'int32' };
  if (data instanceof Int16Array) return { bytes: data, src: 'int16', dtype: 'int32' };
  if (data instanceof Uint16Array) return { bytes: Int32Array.from(data), src: 'int32', dtype: 'int32' };
  if (data instanceof Uint32Array) return { bytes: BigInt64Array.from(data, (x) => BigInt(x)), src: 'int64', dtype: 'int64' };
  return null;
}

function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Calls a native factory (shape, dtype, device, requiresGrad). */
function factory(fn: (...args: NativeArg[]) => NativeHandle, shape: readonly number[], opts?: CreateOptions): Tensor {
  return new Tensor(fn(shape, opts?.dtype ?? null, opts?.device ?? null, opts?.requiresGrad ?? false));
}

function withGrad(t: Tensor, opts?: { requiresGrad?: boolean }): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from data (copied once). Default dtype: the typed array's (Float64Array -> float32); for plain
 * number arrays int64 when every value is an integer, else float32 (as torch.tensor). shape defaults to [length].
 */
export function tensor(data: NumericArray | number[], shape?: readonly number[], opts?: CreateOptions): Tensor {
  if (opts?.dtype !== undefined && !isDType(opts.dtype)) throw new Error(`tensor(): unknown dtype '${String(opts.dtype)}'`);
  const length = data.length;
  const dims = shape ?? [length];
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`tensor(): invalid shape ${shapeString(dims)}`);
  if (numelOf(dims) !== length) {
    throw new Error(`tensor(): shape ${shapeString(dims)} needs ${numelOf(dims)} elements, got ${length}`);
  }
  let source = ArrayBuffer.isView(data) ? typedArraySource(data) : null;
  if (source === null) {
    const values = Float64Array.from(data as ArrayLike<number>);
    const integral = values.every((v) => Number.isInteger(v));
    source = { bytes: values, src: 'float64', dtype: integral && values.length > 0 ? 'int64' : 'float32' };
  }
  const b = source.bytes;
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return withGrad(new Tensor(N.fromBuffer(bytes, dims, source.src, opts?.device ?? null, opts?.dtype ?? source.dtype)), opts);
}

/** A tensor over a copy of raw little-endian bytes (uint8 image batches and the like). */
export function fromBuffer(buf: Uint8Array, shape: readonly number[], dtype: DType, opts?: { device?: Device }): Tensor {
  if (!isDType(dtype)) throw new Error(`fromBuffer(): unknown dtype '${String(dtype)}'`);
  return new Tensor(N.fromBuffer(buf, shape, dtype, opts?.device ?? null));
}

/** A tensor from a RawTensor (checkpoint data). */
export function fromRaw(raw: RawTensor, device?: Device): Tensor {
  return fromBuffer(raw.data, raw.shape, raw.dtype, device === undefined ? undefined : { device });
}

/** Zeros (float32 unless opts.dtype). */
export function zeros(shape: readonly number[], opts?: CreateOptions): Tensor {
  return factory(N.zeros, shape, opts);
}

/** Ones (float32 unless opts.dtype). */
export function ones(shape: readonly number[], opts?: CreateOptions): Tensor {
  return factory(N.ones, shape, opts);
}

/** Filled with value (float32 unless opts.dtype). */
export function full(shape: readonly number[], value: number, opts?: CreateOptions): Tensor {
  return new Tensor(N.full(shape, value, opts?.dtype ?? null, opts?.device ?? null, opts?.requiresGrad ?? false));
}

/** Uninitialised memory (float32 unless opts.dtype). */
export function empty(shape: readonly number[], opts?: CreateOptions): Tensor {
  return factory(N.empty, shape, opts);
}

/** Zeros shaped, typed and placed like t. */
export function zerosLike(t: Tensor): Tensor {
  return new Tensor(N.zerosLike(t.handle));
}

/** Ones shaped, typed and placed like t. */
export function onesLike(t: Tensor): Tensor {
  return new Tensor(N.onesLike(t.handle));
}

/** arange(end) or arange(start, end, step = 1); int64 when every bound is an integer, else float32 (as torch). */
export function arange(end: number, opts?: CreateOptions): Tensor;
export function arange(start: number, end: number, step?: number, opts?: CreateOptions): Tensor;
export function arange(a: number, b?: number | CreateOptions, c?: number | CreateOptions, d?: CreateOptions): Tensor {
  const nums = [a, b, c].filter((x): x is number => typeof x === 'number');
  const opts = [b, c, d].find((x): x is CreateOptions => typeof x === 'object' && x !== null);
  const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
  const dtype = opts?.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int64' : 'float32');
  return new Tensor(N.arange(start, end, step, dtype, opts?.device ?? null, opts?.requiresGrad ?? false));
}

/** Uniform [0, 1) from the global generator. */
export function rand(shape: readonly number[], opts?: CreateOptions): Tensor {
  return factory(N.rand, shape, opts);
}

/** Standard normal from the global generator. */
export function randn(shape: readonly number[], opts?: CreateOptions): Tensor {
  return factory(N.randn, shape, opts);
}

/** Integers in [low, high) from the global generator (int64 unless opts.dtype). */
export function randint(low: number, high: number, shape: readonly number[], opts?: CreateOptions): Tensor {
  return new Tensor(N.randint(low, high, shape, opts?.dtype ?? null, opts?.device ?? null));
}

/** Seeds the CPU and every CUDA generator (torch.manual_seed). */
export function manualSeed(seed: number): void {
  N.manualSeed(seed);
}

/** The state of every default generator (CPU, then each CUDA device), for exact resume. */
export function getRngState(): Uint8Array {
  return N.getRngState();
}

/** Restores a state from getRngState(). */
export function setRngState(s: Uint8Array): void {
  N.setRngState(s);
}
