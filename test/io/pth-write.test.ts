import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { readPth, writePth } from '../../src/io/index.js';
import type { RawTensor } from '../../src/tensor/dtype.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';
import { digest, PY_DUMP, sampleStateDict, type TensorDigest, tempDir } from './util.js';

describe('writePth', () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  after(cleanup);

  test('writePth -> readPth round trip keeps keys, order, dtypes, shapes and bytes', () => {
    const sd = sampleStateDict();
    writePth(f('rt.pth'), sd);
    const back = readPth(f('rt.pth'));
    assert.deepEqual([...back.keys()], [...sd.keys()]);
    for (const [k, t] of sd) assert.deepEqual(digest(k, back.get(k)!), digest(k, t), k);
    assert.deepEqual(fs.readdirSync(dir), ['rt.pth'], 'no temp files left behind');
  });

  test('output is deterministic', () => {
    fs.mkdirSync(f('d1'));
    fs.mkdirSync(f('d2'));
    writePth(f('d1/x.pth'), sampleStateDict());
    writePth(f('d2/x.pth'), sampleStateDict());
    assert.ok(fs.readFileSync(f('d1/x.pth')).equals(fs.readFileSync(f('d2/x.pth'))));
  });

  test('a bad tensor is refused by name and leaves no file', () => {
    const sd = new Map<string, RawTensor>([['w', { dtype: 'float32', shape: [3], data: new Uint8Array(8) }]]);
    assert.throws(() => writePth(f('bad.pth'), sd), /bad\.pth: tensor 'w' has 8 bytes of data, expected 12/);
    assert.equal(fs.existsSync(f('bad.pth')), false);
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  test('a missing directory is reported with the path', () => {
    assert.throws(() => writePth(f('no/such/dir/x.pth'), sampleStateDict()), /no\/such\/dir\/x\.pth: cannot write/);
  });
});

describe('writePth read by torch.load', { skip: skipWithoutTorch(true) }, () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  after(cleanup);

  const pyLoadDump = (file: string, extra = ''): TensorDigest[] =>
    JSON.parse(
      runPython(
        PY_DUMP +
          String.raw`
import collections, zipfile, struct
sd = torch.load(sys.argv[1], weights_only=True)
raw_bytes = open(sys.argv[1], 'rb').read()
assert type(sd) is collections.OrderedDict, type(sd)
assert all(v.is_contiguous() and not v.requires_grad for v in sd.values())
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    for info in z.infolist():
        n, e = struct.unpack('<HH', raw_bytes[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + n + e
        assert start % 64 == 0, (info.filename, start)
` +
          extra +
          '\ndump(sd)\n',
        { args: [file] },
      ),
    );

  test('torch.load reads every dtype with equal values, in key order', () => {
    const sd = sampleStateDict();
    writePth(f('js.pth'), sd);
    const got = pyLoadDump(f('js.pth'));
    assert.deepEqual(
      got.map((g) => g.key),
      [...sd.keys()],
    );
    for (const g of got) {
      const want = digest(g.key, sd.get(g.key)!);
      assert.deepEqual({ ...g, sum: 0 }, { ...want, sum: 0 }, g.key);
      assert.ok(Math.abs(g.sum - want.sum) <= 1e-9 * Math.max(1, Math.abs(want.sum)), g.key);
    }
  });

  test('ZIP64 archives (forced) load in torch and in readPth', () => {
    const sd = sampleStateDict();
    writePth(f('z64.pth'), sd, { forceZip64: true });
    const got = pyLoadDump(f('z64.pth'));
    assert.equal(got.length, sd.size);
    const back = readPth(f('z64.pth'));
    for (const [k, t] of sd) assert.deepEqual(digest(k, back.get(k)!), digest(k, t), k);
  });

  test('torchvision resnet18: torch.save -> readPth -> writePth -> torch.load is identical', () => {
    runPython(`import sys, torch, torchvision\ntorch.manual_seed(1)\ntorch.save(torchvision.models.resnet18().state_dict(), sys.argv[1])`, {
      args: [f('r18.pth')],
    });
    writePth(f('r18-js.pth'), readPth(f('r18.pth')));
    const out = runPython(
      String.raw`
import sys, torch
a = torch.load(sys.argv[1]); b = torch.load(sys.argv[2])
assert list(a.keys()) == list(b.keys())
bad = [k for k in a if a[k].dtype != b[k].dtype or a[k].shape != b[k].shape or not torch.equal(a[k], b[k])]
print(len(a), bad)
`,
      { args: [f('r18.pth'), f('r18-js.pth')] },
    );
    assert.equal(out.trim(), '122 []');
  });
});
