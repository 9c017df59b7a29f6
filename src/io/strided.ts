// Materialises a strided view (e.g. a transposed tensor in a checkpoint) as contiguous bytes.
// Only used for non-contiguous views; contiguous ones are plain slices.
import { numelOf } from '../tensor/dtype.js';
import { allocBytes } from './source.js';

type Words = Uint8Array | Uint16Array | Uint32Array;

function wordsOf(b: Uint8Array, wordSize: number): Words {
  if (wordSize === 1) return b;
  if (b.byteOffset % wordSize !== 0) b = b.slice(); // realign
  const n = Math.floor(b.byteLength / wordSize);
  return wordSize === 2 ? new Uint16Array(b.buffer, b.byteOffset, n) : new Uint32Array(b.buffer, b.byteOffset, n);
}

/** Copies the view (shape, stride, offset in elements of `elemSize` bytes) of `src` into a new contiguous array. */
export function gatherStrided(src: Uint8Array, elemSize: number, shape: readonly number[], stride: readonly number[], offset: number): Uint8Array {
  const numel = numelOf(shape);
  const out = allocBytes(numel * elemSize);
  if (numel === 0) return out;
  // Fold trailing dims that are already laid out contiguously into one block copied with set().
  let k = shape.length;
  let block = 1;
  while (k > 0 && (shape[k - 1] === 1 || stride[k - 1] === block)) {
    block *= shape[k - 1]!;
    k--;
  }
  if (k === 0) {
    out.set(src.subarray(offset * elemSize, (offset + numel) * elemSize));
    return out;
  }
  const dims = shape.slice(0, k);
  const strides = stride.slice(0, k);
  const inner = k - 1;
  const innerLen = dims[inner]!;
  const innerStride = strides[inner]!;
  const idx = new Array<number>(k).fill(0);
  const outer = numel / (block * innerLen);
  let base = offset;
  if (block > 1) {
    const bytes = block * elemSize;
    let o = 0;
    for (let n = 0; n < outer; n++) {
      for (let i = 0, s = base; i < innerLen; i++, s += innerStride, o += bytes) {
        out.set(src.subarray(s * elemSize, s * elemSize + bytes), o);
      }
      base = advance(idx, dims, strides, inner, base);
    }
    return out;
  }
  // One element per step: copy machine words (8-byte elements as two 32-bit words, never via floats).
  const wordSize = Math.min(elemSize, 4);
  const wpe = elemSize / wordSize;
  const s8 = wordsOf(src, wordSize);
  const d8 = wordsOf(out, wordSize);
  let o = 0;
  for (let n = 0; n < outer; n++) {
    for (let i = 0, s = base * wpe; i < innerLen; i++, s += innerStride * wpe) {
      for (let w = 0; w < wpe; w++) d8[o++] = s8[s + w]!;
    }
    base = advance(idx, dims, strides, inner, base);
  }
  return out;
}

// Odometer step over dims [0, inner): returns the new base element offset.
function advance(idx: number[], dims: readonly number[], strides: readonly number[], inner: number, base: number): number {
  for (let d = inner - 1; d >= 0; d--) {
    idx[d]!++;
    base += strides[d]!;
    if (idx[d]! < dims[d]!) return base;
    base -= strides[d]! * dims[d]!;
    idx[d] = 0;
  }
  return base;
}
