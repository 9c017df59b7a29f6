// Shared by the tests that hand a shapeseg-built model to PyTorch (export-to-torch, the DeepLabV3+ rebuild):
// a seed-free input, host copies of a state dict, and a Python safetensors reader (BatchNorm state: ../helpers/batchnorm.ts).

import type { RawTensor } from '../../src/io/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { tensor } from '../../src/tensor/index.js';

/**
 * Python (needs `json`, `struct`, `torch` imported): read_safetensors(path) -> (tensors, metadata). It parses the
 * format by hand (the Debian Python has no `safetensors` package), so it also checks our writer against the spec.
 */
export const READ_SAFETENSORS_PY = String.raw`
DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16,
          'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8,
          'BOOL': torch.bool}

def read_safetensors(path):
    with open(path, 'rb') as f:
        buf = bytearray(f.read())
    (n,) = struct.unpack('<Q', buf[:8])
    header = json.loads(buf[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    out = {}
    for name, e in header.items():
        begin, end = e['data_offsets']
        dt = DTYPES[e['dtype']]
        count = (end - begin) // torch.tensor([], dtype=dt).element_size()
        t = torch.frombuffer(buf, dtype=dt, count=count, offset=8 + n + begin) if count else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e['shape']).clone()
    return out, meta
`;

/** A smooth, seed-free 1x3xSxS input (identical on any machine and RNG). */
export function fixedInput(size: number): Tensor {
  const data = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        data[(c * size + y) * size + x] = Math.sin(0.37 * x + 1.3 * c) * Math.cos(0.23 * y - 0.7 * c) + 0.1 * ((x * 7 + y * 13 + c * 5) % 11) - 0.5;
      }
    }
  }
  return tensor(data, [1, 3, size, size]);
}

/** Host copies of live tensors, keyed the same. */
export function toRawMap(m: Map<string, Tensor>): Map<string, RawTensor> {
  return new Map([...m].map(([k, t]) => [k, t.toRaw()]));
}
