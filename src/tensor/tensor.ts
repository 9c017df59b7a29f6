// The Tensor class: a JS handle on one libtorch tensor. Shape, dtype and device are read once at creation
// from the metadata buffer the native side fills for every tensor it returns.
import type { Device, DType, MemoryFormat, RawTensor } from './dtype.js';
import { isDType } from './dtype.js';
import { N, type NativeHandle } from './native.js';
import { keep, track, untrackDisposed } from './scope.js';

/** A tensor operand: another Tensor or a number (broadcast as in PyTorch). */
export type Operand = Tensor | number;

const meta = N.metaBuffer;
const dtypeNames = N.dtypeNames;

/** A native operand: the id of a Tensor, or the number itself (callers pass which it is). */
export function operand(o: Operand): NativeHandle | number {
  return typeof o === 'number' ? o : o.handle;
}

type BinaryFn = (...args: (NativeHandle | number | undefined)[]) => NativeHandle;

/** Calls the tensor or the number variant of a binary native op (ids and numbers are both JS numbers). */
function binary(fn: BinaryFn, fnS: BinaryFn, h: NativeHandle, o: Operand, alpha?: number): NativeHandle {
  return typeof o === 'number' ? fnS(h, o, alpha) : fn(h, o.handle, alpha);
}

// Safety net for tensors that are never disposed: frees the native tensor after the JS object is collected.
// dispose() unregisters, so tidy-managed tensors never reach it.
const finalizer = new FinalizationRegistry<NativeHandle>((h) => {
  if (N.dispose(h)) untrackDisposed();
});

export class Tensor implements Disposable {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: Device;
  #h: NativeHandle | null;
  // The handle `grad` last returned: owned by this tensor (like PyTorch's .grad attribute), so repeated reads
  // give the same object instead of a new native handle each time.
  #grad: Tensor | null = null;

  /** Internal: wraps a handle just returned by a native call (its metadata is still in the buffer). */
  constructor(h: NativeHandle) {
    this.#h = h;
    this.dtype = dtypeNames[meta[0]!] as DType;
    this.device = meta[1] === 0 ? 'cpu' : `cuda:${meta[2]!}`;
    const ndim = meta[3]!;
    const shape = new Array<number>(ndim);
    for (let i = 0; i < ndim; i++) shape[i] = meta[4 + i]!;
    this.shape = Object.freeze(shape);
    finalizer.register(this, h, this);
    track(this);
  }

  /** Internal: wraps a handle whose metadata is not in the buffer (from a list-returning call). */
  static fromHandle(h: NativeHandle): Tensor {
    N.meta(h);
    return new Tensor(h);
  }

  /** Internal: the native handle; throws once disposed. */
  get handle(): NativeHandle {
    if (this.#h === null) throw new Error('tensor used after dispose()');
    return this.#h;
  }

  /** True after dispose(). */
  get isDisposed(): boolean {
    return this.#h === null;
  }

  /** Frees the tensor's memory now (idempotent). */
  dispose(): void {
    if (this.#h === null) return;
    this.#dropGrad();
    N.dispose(this.#h);
    finalizer.unregister(this);
    this.#h = null;
    untrackDisposed();
  }

  /** Same as dispose(), for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Number of dimensions. */
  dim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  numel(): number {
    let n = 1;
    for (const s of this.shape) n *= s;
    return n;
  }

  /** Size of dimension dim (negative counts from the end). */
  size(dim: number): number {
    const d = dim < 0 ? dim + this.shape.length : dim;
    if (d < 0 || d >= this.shape.length) {
      throw new Error(`Dimension out of range (expected to be in range of [${-this.shape.length}, ${this.shape.length - 1}], but got ${dim})`);
    }
    return this.shape[d]!;
  }

  /** Whether autograd records operations on this tensor (setting it = requires_grad_). */
  get requiresGrad(): boolean {
    return N.requiresGrad(this.handle);
  }

  set requiresGrad(on: boolean) {
    N.setRequiresGrad(this.handle, on);
  }

  /**
   * .grad, or null: the same Tensor on every read while libtorch keeps the same gradient tensor (in-place
   * accumulation, zero_, sgdStep). It belongs to this tensor, not to the enclosing tidy, and is disposed with it;
   * do not dispose it (if you do anyway, the next read makes a fresh handle).
   */
  get grad(): Tensor | null {
    const g = N.grad(this.handle);
    if (g === null) {
      this.#dropGrad();
      return null;
    }
    const cached = this.#grad;
    // Still the gradient libtorch holds? (the cached handle keeps its storage alive, so a replacement cannot
    // reuse the address; the shape is the parameter's either way)
    if (cached !== null && !cached.isDisposed && N.dataPtrEqual(cached.handle, g)) {
      N.dispose(g); // a raw id, never wrapped in a Tensor: nothing to untrack
      return cached;
    }
    this.#dropGrad();
    this.#grad = keep(Tensor.fromHandle(g));
    return this.#grad;
  }

  /** Sets .grad (null: set_to_none); a previously read `grad` handle is disposed. */
  setGrad(g: Tensor | null): void {
    N.setGrad(this.handle, g === null ? null : g.handle);
    if (g !== this.#grad) this.#dropGrad();
  }

  /** Disposes the cached grad handle (the gradient itself lives on in libtorch while anything else holds it). */
  #dropGrad(): void {
    this.#grad?.dispose();
    this.#grad = null;
  }

  /** is_contiguous(memory_format). */
  isContiguous(format?: MemoryFormat): boolean {
    return N.isContiguous(this.handle, format);
  }

  // ---- data out ----

  /** The value of a 1-element tensor. */
  item(): number {
    return N.item(this.handle);
  }

  /** A host copy: float16/bfloat16 -> Float32Array, bool -> Uint8Array, int8/int16 -> Int32Array, int64 -> BigInt64Array. */
  toArray(): Float32Array | Int32Array | Uint8Array | BigInt64Array | Float64Array {
    const buf = N.toArrayBytes(this.handle);
    switch (this.dtype as string) {
      case 'int64':
        return new BigInt64Array(buf);
      case 'int32':
      case 'int8':
      case 'int16':
        return new Int32Array(buf);
      case 'uint8':
      case 'bool':
        return new Uint8Array(buf);
      case 'float64':
        return new Float64Array(buf);
      default:
        return new Float32Array(buf);
    }
  }

  /** Exact bytes in the tensor's own dtype (for checkpoints). */
  toRaw(): RawTensor {
    return { dtype: this.dtype, shape: [...this.shape], data: new Uint8Array(N.toBytes(this.handle)) };
  }

  // ---- conversion ----

  /** A tensor on another device, dtype and/or memory format (this tensor's data when nothing changes). */
  to(target: Device | DType | { device?: Device; dtype?: DType; memoryFormat?: MemoryFormat }): Tensor {
    if (typeof target === 'string') {
      return isDType(target) ? new Tensor(N.to(this.handle, null, target)) : new Tensor(N.to(this.handle, target, null));
    }
    return new Tensor(N.to(this.handle, target.device ?? null, target.dtype ?? null, target.memoryFormat ?? null));
  }

  /** A contiguous tensor in the given memory format. */
  contiguous(format?: MemoryFormat): Tensor {
    return new Tensor(N.contiguous(this.handle, format));
  }
  /** A copy (recorded by autograd). */
  clone(): Tensor {
    return new Tensor(N.clone(this.handle));
  }
  /** The same data, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(N.detach(this.handle));
  }
  /** to('float32'). */
  float(): Tensor {
    return this.to('float32');
  }
  /** to('int64'). */
  long(): Tensor {
    return this.to('int64');
  }

  // ---- arithmetic ----

  /** this + alpha * o. */
  add(o: Operand, alpha?: number): Tensor {
    return new Tensor(binary(N.add, N.addS, this.handle, o, alpha));
  }
  /** this - alpha * o. */
  sub(o: Operand, alpha?: number): Tensor {
    return new Tensor(binary(N.sub, N.subS, this.handle, o, alpha));
  }
  /** this * o. */
  mul(o: Operand): Tensor {
    return new Tensor(binary(N.mul, N.mulS, this.handle, o));
  }
  /** this / o (true division). */
  div(o: Operand): Tensor {
    return new Tensor(binary(N.div, N.divS, this.handle, o));
  }
  /** -this. */
  neg(): Tensor {
    return new Tensor(N.neg(this.handle));
  }
  /** this ** e. */
  pow(e: number): Tensor {
    return new Tensor(N.pow(this.handle, e));
  }
  /** Square root. */
  sqrt(): Tensor {
    return new Tensor(N.sqrt(this.handle));
  }
  /** 1 / sqrt. */
  rsqrt(): Tensor {
    return new Tensor(N.rsqrt(this.handle));
  }
  /** e ** this. */
  exp(): Tensor {
    return new Tensor(N.exp(this.handle));
  }
  /** Natural log. */
  log(): Tensor {
    return new Tensor(N.log(this.handle));
  }
  /** |this|. */
  abs(): Tensor {
    return new Tensor(N.abs(this.handle));
  }
  /** Clamps to [min, max] (either may be omitted). */
  clamp(min?: number, max?: number): Tensor {
    return new Tensor(N.clamp(this.handle, min ?? null, max ?? null));
  }

  /** In place: this += alpha * o. */
  add_(o: Operand, alpha?: number): this {
    binary(N.add_ as BinaryFn, N.add_S as BinaryFn, this.handle, o, alpha);
    return this;
  }
  /** In place: this -= alpha * o. */
  sub_(o: Operand, alpha?: number): this {
    binary(N.sub_ as BinaryFn, N.sub_S as BinaryFn, this.handle, o, alpha);
    return this;
  }
  /** In place: this *= o. */
  mul_(o: Operand): this {
    binary(N.mul_ as BinaryFn, N.mul_S as BinaryFn, this.handle, o);
    return this;
  }
  /** In place: this /= o. */
  div_(o: Operand): this {
    binary(N.div_ as BinaryFn, N.div_S as BinaryFn, this.handle, o);
    return this;
  }
  /** In place: copies src's values (broadcast, converting dtype/device). */
  copy_(src: Tensor): this {
    N.copy_(this.handle, src.handle);
    return this;
  }
  /** In place: fills with 0. */
  zero_(): this {
    N.zero_(this.handle);
    return this;
  }
  /** In place: fills with v. */
  fill_(v: number): this {
    N.fill_(this.handle, v);
    return this;
  }
  /** In place: this += value * a * b. */
  addcmul_(a: Operand, b: Operand, value?: number): this {
    N.addcmul_(this.handle, operand(a), operand(b), value, typeof a === 'number', typeof b === 'number');
    return this;
  }

  // ---- comparison (bool results) ----

  /** this == o. */
  eq(o: Operand): Tensor {
    return new Tensor(binary(N.eq, N.eqS, this.handle, o));
  }
  /** this != o. */
  ne(o: Operand): Tensor {
    return new Tensor(binary(N.ne, N.neS, this.handle, o));
  }
  /** this < o. */
  lt(o: Operand): Tensor {
    return new Tensor(binary(N.lt, N.ltS, this.handle, o));
  }
  /** this <= o. */
  le(o: Operand): Tensor {
    return new Tensor(binary(N.le, N.leS, this.handle, o));
  }
  /** this > o. */
  gt(o: Operand): Tensor {
    return new Tensor(binary(N.gt, N.gtS, this.handle, o));
  }
  /** this >= o. */
  ge(o: Operand): Tensor {
    return new Tensor(binary(N.ge, N.geS, this.handle, o));
  }
  /** Elementwise and. */
  logicalAnd(o: Operand): Tensor {
    return new Tensor(binary(N.logicalAnd, N.logicalAndS, this.handle, o));
  }
  /** Elementwise or. */
  logicalOr(o: Operand): Tensor {
    return new Tensor(binary(N.logicalOr, N.logicalOrS, this.handle, o));
  }
  /** Elementwise not. */
  logicalNot(): Tensor {
    return new Tensor(N.logicalNot(this.handle));
  }
  /** True where NaN. */
  isnan(): Tensor {
    return new Tensor(N.isnan(this.handle));
  }
  /** True where finite. */
  isfinite(): Tensor {
    return new Tensor(N.isfinite(this.handle));
  }

  // ---- reductions ----

  /** Sum over dim (all when omitted). */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(N.sum(this.handle, dim ?? null, keepdim));
  }
  /** Mean over dim (all when omitted). */
  mean(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(N.mean(this.handle, dim ?? null, keepdim));
  }
  /** Max over dim (all when omitted). */
  amax(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(N.amax(this.handle, dim ?? null, keepdim));
  }
  /** Min over dim (all when omitted). */
  amin(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(N.amin(this.handle, dim ?? null, keepdim));
  }
  /** Index of the max (over the flattened tensor when dim is omitted). */
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(N.argmax(this.handle, dim ?? null, keepdim));
  }

  // ---- shape ----

  /** Same data in a new shape (copies when needed; -1 infers one size). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(N.reshape(this.handle, shape));
  }
  /** Same data in a new shape (never copies). */
  view(shape: readonly number[]): Tensor {
    return new Tensor(N.view(this.handle, shape));
  }
  /** Reorders dims. */
  permute(dims: number[]): Tensor {
    return new Tensor(N.permute(this.handle, dims));
  }
  /** Swaps two dims. */
  transpose(a: number, b: number): Tensor {
    return new Tensor(N.transpose(this.handle, a, b));
  }
  /** Removes size-1 dims (only dim when given). */
  squeeze(dim?: number): Tensor {
    return new Tensor(N.squeeze(this.handle, dim ?? null));
  }
  /** Inserts a size-1 dim. */
  unsqueeze(dim: number): Tensor {
    return new Tensor(N.unsqueeze(this.handle, dim));
  }
  /** Broadcasts to shape (-1 keeps a size). */
  expand(shape: readonly number[]): Tensor {
    return new Tensor(N.expand(this.handle, shape));
  }
  /** Flattens dims start..end. */
  flatten(start = 0, end = -1): Tensor {
    return new Tensor(N.flatten(this.handle, start, end));
  }
  /** A slice of length along dim from start. */
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(N.narrow(this.handle, dim, start, length));
  }
  /** The index-th slice along dim (dim removed). */
  select(dim: number, index: number): Tensor {
    return new Tensor(N.select(this.handle, dim, index));
  }
  /** Gathers slices along dim at the int64 indices. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(N.indexSelect(this.handle, dim, index.handle));
  }
  /** Values along dim at the int64 index (same number of dims; torch.gather), differentiable in this tensor. */
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(N.gather(this.handle, dim, index.handle));
  }
  /** Cumulative sum along dim (torch.cumsum; integer and bool inputs give int64). */
  cumsum(dim: number): Tensor {
    return new Tensor(N.cumsum(this.handle, dim));
  }
  /**
   * Sorted values along dim and their int64 positions in this tensor (torch.sort); the values carry autograd.
   * `stable` keeps equal elements in their original order (torch's stable=True).
   */
  sort(dim = -1, descending = false, stable = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = N.sort(this.handle, dim, descending, stable);
    return { values: Tensor.fromHandle(values), indices: Tensor.fromHandle(indices) };
  }
  /** Positions that sort this tensor along dim (torch.argsort). */
  argsort(dim = -1, descending = false): Tensor {
    const { values, indices } = this.sort(dim, descending);
    values.dispose();
    return indices;
  }
  /** Matrix product with broadcasting (torch.matmul). */
  matmul(o: Tensor): Tensor {
    return new Tensor(N.matmul(this.handle, o.handle));
  }
  /** value where mask is true. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return new Tensor(N.maskedFill(this.handle, mask.handle, value));
  }

  // ---- autograd ----

  /** Accumulates gradients of this (a scalar unless gradient is given) into the leaves' .grad. */
  backward(gradient?: Tensor): void {
    N.backward(this.handle, gradient === undefined ? null : gradient.handle);
  }

  /** A short description (no data) for logs. */
  toString(): string {
    return this.isDisposed ? 'Tensor(disposed)' : `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}
