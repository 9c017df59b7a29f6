// Shared bits for the io tests: temp dirs, a Python dump of a state dict, and the same digest in JS.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RawTensor } from '../../src/tensor/dtype.js';

/** A fresh temp dir; call the returned cleanup when done. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Python: `dump(sd)` prints, per tensor, dtype/shape/sha256 of contiguous LE bytes/sum, as JSON. */
export const PY_DUMP = String.raw`
import sys, json, hashlib, torch
def raw(t):
    t = t.detach().contiguous().reshape(-1)
    return t.view(torch.uint8).numpy().tobytes() if t.numel() else b''
def dump(sd):
    print(json.dumps([{'key': k, 'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape),
        'sha256': hashlib.sha256(raw(v)).hexdigest(), 'sum': float(v.double().sum())} for k, v in sd.items()]))
`;

/** One tensor as PY_DUMP describes it. */
export interface TensorDigest {
  key: string;
  dtype: string;
  shape: number[];
  sha256: string;
  sum: number;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The values of `t` as a JS number array-like (for sums in tests). */
export function rawValues(t: RawTensor): ArrayLike<number> {
  const b = t.data.slice(); // aligned copy
  const { buffer } = b;
  switch (t.dtype as string) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'float16':
      return Array.from(new Uint16Array(buffer), halfToFloat);
    case 'bfloat16':
      return new Float32Array(Uint32Array.from(new Uint16Array(buffer), (u) => u << 16).buffer);
    case 'int64':
      return Array.from(new BigInt64Array(buffer), Number);
    case 'int32':
      return new Int32Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    default:
      return b;
  }
}

/** The PY_DUMP digest of a RawTensor. */
export function digest(key: string, t: RawTensor): TensorDigest {
  let sum = 0;
  const vals = rawValues(t);
  for (let i = 0; i < vals.length; i++) sum += vals[i]!;
  return { key, dtype: t.dtype, shape: t.shape, sha256: createHash('sha256').update(t.data).digest('hex'), sum };
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** A state dict covering every dtype, 0-d, empty and odd-sized tensors, keys deliberately unsorted. */
export function sampleStateDict(): Map<string, RawTensor> {
  const f32 = new Float32Array(2 * 3 * 5 * 7).map((_, i) => Math.sin(i) * 100);
  return new Map<string, RawTensor>([
    ['z.last', { dtype: 'float32', shape: [2, 3, 5, 7], data: bytesOf(f32) }],
    ['a.first', { dtype: 'float16', shape: [3], data: bytesOf(new Uint16Array([0x3c00, 0xc000, 0x7bff])) }],
    ['m.bf16', { dtype: 'bfloat16', shape: [2, 1], data: bytesOf(new Uint16Array([0x3f80, 0xc0a0])) }],
    ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: bytesOf(new BigInt64Array([123456789012n])) }],
    ['i32', { dtype: 'int32', shape: [2, 2], data: bytesOf(new Int32Array([-1, 2, 2 ** 31 - 1, -(2 ** 31)])) }],
    ['u8', { dtype: 'uint8', shape: [300], data: new Uint8Array(300).map((_, i) => i & 0xff) }],
    ['mask', { dtype: 'bool', shape: [4], data: new Uint8Array([1, 0, 0, 1]) }],
    ['empty', { dtype: 'float32', shape: [0, 4], data: new Uint8Array(0) }],
    ['big.dims', { dtype: 'uint8', shape: [70000, 1], data: new Uint8Array(70000).fill(7) }],
  ]);
}
