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

/** The values of `t` as JS numbers (for sums in tests). */
export function rawValues(t: RawTensor): number[] {
  const b = t.data.slice(); // aligned copy
  const { buffer } = b;
  switch (t.dtype as string) {
    case 'float32':
      return [...new Float32Array(buffer)];
    case 'float64':
      return [...new Float64Array(buffer)];
    case 'float16':
      return [...new Uint16Array(buffer)].map(halfToFloat);
    case 'bfloat16':
      return [...new Uint16Array(buffer)].map((u) => new Float32Array(new Uint32Array([u << 16]).buffer)[0]!);
    case 'int64':
      return [...new BigInt64Array(buffer)].map(Number);
    case 'int32':
      return [...new Int32Array(buffer)];
    case 'int16':
      return [...new Int16Array(buffer)];
    case 'int8':
      return [...new Int8Array(buffer)];
    default:
      return [...b];
  }
}

/** The PY_DUMP digest of a RawTensor. */
export function digest(key: string, t: RawTensor): TensorDigest {
  let sum = 0;
  for (const v of rawValues(t)) sum += v;
  return { key, dtype: t.dtype, shape: t.shape, sha256: createHash('sha256').update(t.data).digest('hex'), sum };
}
