import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostBatch } from '../../src/data/loader.js';
import { skipIfMissing } from '../helpers/skip.js';

// The tensor addon may be unbuilt on a checkout; these tests say so instead of failing.
const T = await import('../../src/tensor/index.js').catch((e: Error) => e);
const skip = skipIfMissing(T instanceof Error ? `tensor addon unavailable: ${T.message.split('\n')[0]}` : null);

function hostBatch(n: number, h: number, w: number): HostBatch {
  const images = Buffer.alloc(n * h * w * 3);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37) % 256;
  const labels = Buffer.alloc(n * h * w);
  for (let i = 0; i < labels.length; i++) labels[i] = i % 3 === 0 ? 255 : i % 10;
  return { images, labels, n, height: h, width: w, ids: Array.from({ length: n }, (_, i) => `id${i}`), indices: [] };
}

test('collate: N,3,H,W uint8 images (CHW from HWC) and N,H,W int64 labels', { skip }, async () => {
  const { collate } = await import('../../src/data/collate.js');
  const Tn = T as typeof import('../../src/tensor/index.js');
  const hb = hostBatch(2, 3, 4);
  const b = collate(hb, 'cpu');
  try {
    assert.deepEqual(b.images.shape, [2, 3, 3, 4]);
    assert.equal(b.images.dtype, 'uint8');
    assert.ok(b.images.isContiguous());
    assert.deepEqual(b.labels.shape, [2, 3, 4]);
    assert.equal(b.labels.dtype, 'int64');
    assert.deepEqual(b.ids, ['id0', 'id1']);
    const img = b.images.toArray();
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < 3; y++)
          for (let x = 0; x < 4; x++) {
            assert.equal(img[((n * 3 + c) * 3 + y) * 4 + x], hb.images[((n * 3 + y) * 4 + x) * 3 + c]);
          }
    assert.deepEqual(Array.from(b.labels.toArray() as BigInt64Array, Number), [...hb.labels]);
  } finally {
    b.images.dispose();
    b.labels.dispose();
  }
  assert.equal(Tn.liveTensorCount() >= 0, true);
});

test('normalize: (x/255 - mean)/std per channel, float32, leaves no tensors behind', { skip }, async () => {
  const { normalize, IMAGENET_MEAN, IMAGENET_STD } = await import('../../src/data/normalize.js');
  const Tn = T as typeof import('../../src/tensor/index.js');
  const raw = Uint8Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => (i * 23) % 256);
  const x = Tn.fromBuffer(raw, [2, 3, 2, 2], 'uint8');
  const before = Tn.liveTensorCount();
  const y = normalize(x);
  assert.equal(Tn.liveTensorCount(), before + 1);
  assert.equal(y.dtype, 'float32');
  assert.deepEqual(y.shape, [2, 3, 2, 2]);
  const v = y.toArray() as Float32Array;
  for (let i = 0; i < raw.length; i++) {
    const c = Math.floor(i / 4) % 3;
    const want = Math.fround((Math.fround(raw[i]! / 255) - Math.fround(IMAGENET_MEAN[c]!)) / Math.fround(IMAGENET_STD[c]!));
    assert.ok(Math.abs(v[i]! - want) < 1e-6, `element ${i}: ${v[i]} vs ${want}`);
  }
  assert.throws(() => normalize(y), /expected uint8 images, got float32/);
  x.dispose();
  y.dispose();
});

test('loader -> collateTo -> normalize: shapes per batch and no leaked tensors', { skip }, async () => {
  const { collateTo } = await import('../../src/data/collate.js');
  const { normalize } = await import('../../src/data/normalize.js');
  const { DataLoader } = await import('../../src/data/loader.js');
  const { trainTransform } = await import('../../src/data/transforms.js');
  const { VKitti1Dataset } = await import('../../src/data/vkitti1.js');
  const { rmTmp, tmpDir, writeVKitti1 } = await import('./fixtures.js');
  const Tn = T as typeof import('../../src/tensor/index.js');
  const root = tmpDir();
  try {
    await writeVKitti1(root, { worlds: ['0001'], variations: ['clone'], frames: 5 });
    const ds = await VKitti1Dataset.open({ root, labelSpace: 'vkitti' });
    const before = Tn.liveTensorCount();
    const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 1, transform: trainTransform({ crop: 7 }), collate: collateTo('cpu') });
    const sizes: number[] = [];
    for await (const { batch } of loader.epoch(0)) {
      Tn.tidy(() => {
        const x = normalize(batch.images);
        assert.deepEqual(x.shape, [batch.ids.length, 3, 7, 7]);
        assert.deepEqual(batch.labels.shape, [batch.ids.length, 7, 7]);
        sizes.push(batch.ids.length);
      });
      batch.images.dispose();
      batch.labels.dispose();
    }
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.equal(Tn.liveTensorCount(), before);
  } finally {
    rmTmp(root);
  }
});
