import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CheckpointError, readPth } from '../../src/io/index.js';
import { withFileSource } from '../../src/io/source.js';
import { ZipReader, ZipWriter } from '../../src/io/zip.js';
import { isDType } from '../../src/tensor/dtype.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';
import { digest, PY_DUMP, rawValues, type TensorDigest, tempDir } from './util.js';

const skip = skipWithoutTorch(true);

describe('readPth on files written by torch.save', { skip }, () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  let expected: Record<string, TensorDigest[]>;

  before(() => {
    const out = runPython(
      PY_DUMP +
        String.raw`
import os, collections, torchvision
d = sys.argv[1]
res = {}
torch.manual_seed(0)
r18 = torchvision.models.resnet18().state_dict()
torch.save(r18, os.path.join(d, 'resnet18.pth'))
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
mix = collections.OrderedDict()
mix['base'] = base
mix['transposed'] = base.t()                      # shares base's storage, non-contiguous
mix['narrowed'] = base.narrow(0, 1, 2)            # storage offset 6
mix['column'] = base[:, 3]                        # offset + stride 6
mix['permuted'] = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).permute(2, 0, 1)
mix['cols'] = base[:, 1:4]                        # non-contiguous rows of contiguous 3-element blocks
mix['long_t'] = torch.arange(-3, 3).reshape(2, 3).t()  # 8-byte elements, transposed
mix['half'] = torch.randn(3, 5).half()
mix['half_t'] = mix['half'].t()
mix['bf16'] = torch.randn(7).bfloat16()
mix['long'] = torch.tensor([1, -2, 3 ** 30, -(2 ** 62)])
mix['int'] = torch.tensor([[1, -7], [9, 2 ** 31 - 1]], dtype=torch.int32).t()
mix['bool'] = torch.tensor([True, False, True, True])
mix['uint8'] = torch.arange(250, 256, dtype=torch.uint8)
mix['scalar'] = torch.tensor(3.5)
mix['nbt'] = torch.tensor(12345678901)
mix['empty'] = torch.zeros(0, 3)
mix['param'] = torch.nn.Parameter(torch.ones(2, 2))
torch.save(mix, os.path.join(d, 'mix.pth'))
torch.save({'epoch': 3, 'state_dict': mix, 'optimizer': {'lr': 0.1, 'state': {0: {'momentum_buffer': torch.ones(3)}}}},
           os.path.join(d, 'wrapped.pth'))
torch.save({'model': mix, 'args': [1, 'x', None, 2.5]}, os.path.join(d, 'model-wrapped.pth'))
torch.save({'epoch': 3, 'optimizer': {}}, os.path.join(d, 'no-sd.pth'))
torch.save(mix, os.path.join(d, 'legacy.pth'), _use_new_zipfile_serialization=False)
torch.save(r18, os.path.join(d, 'resnet18-legacy.pth'), _use_new_zipfile_serialization=False)
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ' + os.path.join(d, 'pwned'),))
torch.save({'w': torch.ones(2), 'evil': Evil()}, os.path.join(d, 'evil-legacy.pth'), _use_new_zipfile_serialization=False)
torch.save({'d': torch.arange(6, dtype=torch.float64).reshape(2, 3).t()}, os.path.join(d, 'f64.pth'))
import io, contextlib
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    dump(r18); dump(mix)
a, b = buf.getvalue().strip().split('\n')
print(json.dumps({'resnet18': json.loads(a), 'mix': json.loads(b)}))
`,
      { args: [dir] },
    );
    expected = JSON.parse(out);
  });
  after(cleanup);

  const check = (file: string, want: TensorDigest[]) => {
    const sd = readPth(file);
    assert.deepEqual(
      [...sd.keys()],
      want.map((w) => w.key),
      'keys in file order',
    );
    for (const w of want) {
      const got = digest(w.key, sd.get(w.key)!);
      assert.deepEqual({ ...got, sum: 0 }, { ...w, sum: 0 }, `tensor ${w.key}`);
      assert.ok(Math.abs(got.sum - w.sum) <= 1e-9 * Math.max(1, Math.abs(w.sum)), `${w.key}: sum ${got.sum} vs ${w.sum}`);
    }
    return sd;
  };

  test('torchvision resnet18 state_dict: every key, shape, dtype and byte', () => {
    const sd = check(f('resnet18.pth'), expected.resnet18!);
    assert.equal(sd.size, 122);
    assert.deepEqual(sd.get('layer1.0.conv1.weight')!.shape, [64, 64, 3, 3]);
    assert.equal(sd.get('bn1.num_batches_tracked')!.dtype, 'int64');
  });

  test('shared storages, transposes, offsets, strides and every dtype', () => {
    const sd = check(f('mix.pth'), expected.mix!);
    // Tensors sharing a storage must not alias each other's bytes.
    sd.get('base')!.data[0] = 0xff;
    assert.equal(sd.get('transposed')!.data[0], 0);
  });

  test("wrapper dicts: 'state_dict' and 'model' entries", () => {
    check(f('wrapped.pth'), expected.mix!);
    check(f('model-wrapped.pth'), expected.mix!);
  });

  test('a dict without a state dict is refused, naming its keys', () => {
    assert.throws(() => readPth(f('no-sd.pth')), /no state dict found.*\[epoch, optimizer\]/);
  });

  test('float64: read when DType has it, else a clear error naming the tensor', () => {
    if (isDType('float64')) {
      const t = readPth(f('f64.pth')).get('d')!;
      assert.deepEqual([...(rawValues(t) as Float64Array)], [0, 3, 1, 4, 2, 5]);
    } else {
      assert.throws(() => readPth(f('f64.pth')), /tensor 'd' has dtype float64, which shapeseg tensors do not support/);
    }
  });

  test('legacy (pre-1.6, non-zip) format: read like torch.load', () => {
    check(f('legacy.pth'), expected.mix!);
    check(f('resnet18-legacy.pth'), expected.resnet18!);
  });

  test('legacy format: truncation and foreign globals are refused', () => {
    const bytes = fs.readFileSync(f('resnet18-legacy.pth'));
    for (const cut of [20, 5000, bytes.length >> 1, bytes.length - 1]) {
      fs.writeFileSync(f('legacy-cut.pth'), bytes.subarray(0, cut));
      assert.throws(
        () => readPth(f('legacy-cut.pth')),
        (err: Error) => {
          assert.ok(err instanceof CheckpointError && err.message.startsWith(f('legacy-cut.pth')), String(err));
          assert.match(err.message, /truncated/);
          return true;
        },
      );
    }
    assert.throws(() => readPth(f('evil-legacy.pth')), /refusing pickle global '(posix|os)\.system'/);
    assert.equal(fs.existsSync(f('pwned')), false);
  });

  test('truncated file (cut in half) names the file and the problem', () => {
    const bytes = fs.readFileSync(f('resnet18.pth'));
    fs.writeFileSync(f('half.pth'), bytes.subarray(0, bytes.length >> 1));
    assert.throws(
      () => readPth(f('half.pth')),
      (err: Error) => {
        assert.ok(err.message.startsWith(f('half.pth')));
        assert.match(err.message, /truncated/);
        return true;
      },
    );
  });

  test('flipped storage byte is caught by the CRC', () => {
    const bytes = Buffer.from(fs.readFileSync(f('resnet18.pth')));
    bytes[bytes.length >> 1]! ^= 0x55;
    fs.writeFileSync(f('flipped.pth'), bytes);
    assert.throws(() => readPth(f('flipped.pth')), /CRC-32 mismatch/);
  });

  test('missing file names the path', () => {
    assert.throws(
      () => readPth(f('nope.pth')),
      (err: Error) => err.message.includes(f('nope.pth')) && /not found/.test(err.message),
    );
  });

  test('truncations and random corruption (of the file, and of data.pkl with valid CRCs) fail cleanly', () => {
    const good = fs.readFileSync(f('mix.pth'));
    const legacy = fs.readFileSync(f('legacy.pth'));
    let seed = 1;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const expectClean = (file: string) => {
      try {
        readPth(file);
      } catch (err) {
        assert.ok(err instanceof CheckpointError, `not a CheckpointError: ${(err as Error).stack}`);
      }
    };
    for (const whole of [good, legacy]) {
      for (let n = 0; n < whole.length; n += 97) {
        fs.writeFileSync(f('fuzz.pth'), whole.subarray(0, n));
        expectClean(f('fuzz.pth'));
      }
    }
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(i % 2 ? good : legacy);
      for (let j = 0; j < 3; j++) b[rnd(b.length)] = rnd(256);
      fs.writeFileSync(f('fuzz.pth'), b);
      expectClean(f('fuzz.pth'));
    }
    // The CRC catches the above inside data.pkl, so also re-zip mutated pickles with correct CRCs.
    const entries = withFileSource(f('mix.pth'), (src) => {
      const zip = new ZipReader(src);
      return [...zip.entries.values()].map((e) => [e.name, zip.read(e)] as const);
    });
    for (let i = 0; i < 200; i++) {
      const fd = fs.openSync(f('fuzz.pth'), 'w');
      const w = new ZipWriter(fd);
      for (const [name, data] of entries) {
        let d = data;
        if (name.endsWith('/data.pkl')) {
          const m = Buffer.from(data);
          for (let j = 0; j < 1 + rnd(3); j++) m[rnd(m.length)] = rnd(256);
          d = i % 5 === 0 ? m.subarray(0, rnd(m.length)) : m;
        }
        w.add(name, d);
      }
      w.finish();
      fs.closeSync(fd);
      expectClean(f('fuzz.pth'));
    }
  });
});

describe('readPth refuses foreign pickle globals', { skip }, () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  after(cleanup);

  test('os.system inside a torch.save dict is refused and never run', () => {
    const marker = f('pwned');
    runPython(
      String.raw`
import os, sys, torch
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ' + sys.argv[2],))
torch.save({'w': torch.ones(2), 'evil': Evil()}, sys.argv[1])
`,
      { args: [f('evil.pth'), marker] },
    );
    assert.throws(
      () => readPth(f('evil.pth')),
      (err: Error) => {
        assert.ok(err instanceof CheckpointError);
        assert.match(err.message, /refusing pickle global '(posix|os)\.system'.*only tensors and plain containers are loaded/);
        assert.ok(err.message.includes(f('evil.pth')));
        return true;
      },
    );
    assert.equal(fs.existsSync(marker), false);
  });

  test('a crafted protocol-4 data.pkl using STACK_GLOBAL builtins.eval is refused', () => {
    runPython(
      String.raw`
import sys, pickle, zipfile, builtins
class Evil:
    def __reduce__(self):
        return (builtins.eval, ('1+1',))
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('archive/data.pkl', pickle.dumps({'x': Evil()}, protocol=4))
    z.writestr('archive/version', '3\n')
`,
      { args: [f('eval.pth')] },
    );
    assert.throws(() => readPth(f('eval.pth')), /refusing pickle global 'builtins\.eval'/);
  });
});
