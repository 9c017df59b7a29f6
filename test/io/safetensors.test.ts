import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { readSafetensors, writeSafetensors } from '../../src/io/index.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';
import { digest, PY_DUMP, sampleStateDict, type TensorDigest, tempDir } from './util.js';

// The safetensors format in a few lines of Python (the `safetensors` package is not installed here).
const PY_ST = String.raw`
import struct
DT = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float64: 'F64', torch.int64: 'I64',
      torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL'}
FROM = {v: k for k, v in DT.items()}
def st_write(path, tensors, meta=None):
    header, off, blobs = {}, 0, []
    if meta: header['__metadata__'] = meta
    for k, t in tensors.items():
        b = raw(t)
        header[k] = {'dtype': DT[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        off += len(b); blobs.append(b)
    h = json.dumps(header).encode(); h += b' ' * (-len(h) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
def st_read(path):
    data = open(path, 'rb').read()
    n = struct.unpack('<Q', data[:8])[0]
    assert n % 8 == 0, n
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    out, pos = {}, 0
    for k, v in sorted(header.items(), key=lambda kv: kv[1]['data_offsets'][0]):
        b, e = v['data_offsets']
        assert b == pos, (k, b, pos); pos = e
        dt = FROM[v['dtype']]
        t = torch.frombuffer(bytearray(data[8 + n + b:8 + n + e]), dtype=dt) if e > b else torch.empty(0, dtype=dt)
        out[k] = t.reshape(v['shape'])
    assert 8 + n + pos == len(data)
    return out, meta
`;

describe('safetensors', () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  after(cleanup);

  test('write -> read round trip with metadata', () => {
    const sd = sampleStateDict();
    writeSafetensors(f('rt.safetensors'), sd, { format: 'pt', epoch: '3' });
    const { tensors, metadata } = readSafetensors(f('rt.safetensors'));
    assert.deepEqual(metadata, { format: 'pt', epoch: '3' });
    assert.deepEqual([...tensors.keys()], [...sd.keys()]);
    for (const [k, t] of sd) assert.deepEqual(digest(k, tensors.get(k)!), digest(k, t), k);
    const n = fs.readFileSync(f('rt.safetensors')).readBigUInt64LE(0);
    assert.equal(n % 8n, 0n, 'header padded to 8 bytes');
    assert.deepEqual(fs.readdirSync(dir), ['rt.safetensors']);
  });

  const bad = (name: string, header: string | object, data = Buffer.alloc(0), lenOverride?: bigint) => {
    const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(lenOverride ?? BigInt(h.length));
    fs.writeFileSync(f(name), Buffer.concat([len, h, data]));
    return f(name);
  };
  const throwsNamingFile = (file: string, re: RegExp) =>
    assert.throws(
      () => readSafetensors(file),
      (err: Error) => {
        assert.ok(err.message.startsWith(file), err.message);
        assert.match(err.message, re);
        return true;
      },
    );

  test('bad headers fail naming the file (and the tensor)', () => {
    const w = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
    throwsNamingFile(bad('len.st', '{}', undefined, 1000n), /header length 1000 exceeds the file/);
    throwsNamingFile(bad('json.st', '{"a": '), /header is not valid JSON/);
    throwsNamingFile(bad('arr.st', '[1]'), /header is not a JSON object/);
    throwsNamingFile(bad('range.st', { w }, Buffer.alloc(4)), /tensor 'w': data_offsets \[0, 8\] out of range/);
    throwsNamingFile(bad('size.st', { w: { ...w, shape: [3] } }, Buffer.alloc(8)), /tensor 'w': data_offsets span 8 bytes but float32 \[3\] needs 12/);
    throwsNamingFile(bad('dtype.st', { w: { ...w, dtype: 'C64' } }, Buffer.alloc(8)), /tensor 'w': unsupported dtype "C64"/);
    throwsNamingFile(bad('shape.st', { w: { ...w, shape: [-2] } }, Buffer.alloc(8)), /tensor 'w': invalid shape/);
    throwsNamingFile(bad('meta.st', { __metadata__: { a: 1 } }), /__metadata__\.a is not a string/);
    throwsNamingFile(bad('overlap.st', { w, v: { ...w, data_offsets: [4, 12] } }, Buffer.alloc(12)), /tensors 'w' and 'v' overlap/);
    fs.writeFileSync(f('tiny.st'), Buffer.from([1, 2, 3]));
    throwsNamingFile(f('tiny.st'), /too short/);
    throwsNamingFile(f('missing.st'), /not found/);
  });

  test('writing refuses bad tensors and non-string metadata', () => {
    const sd = sampleStateDict();
    assert.throws(() => writeSafetensors(f('x.st'), sd, { n: 3 } as unknown as Record<string, string>), /x\.st: metadata 'n' must be a string/);
    sd.set('broken', { dtype: 'int32', shape: [2], data: new Uint8Array(3) });
    assert.throws(() => writeSafetensors(f('x.st'), sd), /x\.st: tensor 'broken' has 3 bytes of data, expected 8/);
    assert.equal(fs.existsSync(f('x.st')), false);
  });
});

describe('safetensors interop with Python', { skip: skipWithoutTorch() }, () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  after(cleanup);

  test('writeSafetensors -> Python reads equal tensors and metadata', () => {
    const sd = sampleStateDict();
    writeSafetensors(f('js.safetensors'), sd, { producer: 'shapeseg' });
    const out = runPython(`${PY_DUMP + PY_ST}\nsd, meta = st_read(sys.argv[1])\nprint(json.dumps(meta))\ndump(sd)\n`, {
      args: [f('js.safetensors')],
    });
    const [meta, dumped] = out.trim().split('\n');
    assert.deepEqual(JSON.parse(meta!), { producer: 'shapeseg' });
    const got = JSON.parse(dumped!) as TensorDigest[];
    assert.deepEqual(
      got.map((g) => g.key),
      [...sd.keys()],
    );
    for (const g of got) assert.deepEqual({ ...g, sum: 0 }, { ...digest(g.key, sd.get(g.key)!), sum: 0 }, g.key);
  });

  test('Python-written safetensors -> readSafetensors equal', () => {
    const out = runPython(
      PY_DUMP +
        PY_ST +
        String.raw`
torch.manual_seed(0)
sd = {'conv.weight': torch.randn(4, 3, 3, 3), 'bn.running_var': torch.rand(4).half(), 'e': torch.randn(2, 2).bfloat16(),
      'bn.num_batches_tracked': torch.tensor(7), 'idx': torch.arange(-5, 5, dtype=torch.int32), 'm': torch.rand(5) > 0.5,
      'pix': torch.arange(0, 256, 3, dtype=torch.uint8), 'none': torch.zeros(0)}
st_write(sys.argv[1], sd, {'format': 'pt'})
dump(sd)
`,
      { args: [f('py.safetensors')] },
    );
    const want = JSON.parse(out) as TensorDigest[];
    const { tensors, metadata } = readSafetensors(f('py.safetensors'));
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(
      [...tensors.keys()],
      want.map((w) => w.key),
    );
    for (const w of want) {
      const got = digest(w.key, tensors.get(w.key)!);
      assert.deepEqual({ ...got, sum: 0 }, { ...w, sum: 0 }, w.key);
      assert.ok(Math.abs(got.sum - w.sum) <= 1e-9 * Math.max(1, Math.abs(w.sum)), w.key);
    }
  });
});
