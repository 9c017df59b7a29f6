import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { DataLoader, evalLoader, type HostBatch, type LoaderItem, type LoaderOptions, packSamples } from '../../src/data/loader.js';
import { trainTransform } from '../../src/data/transforms.js';
import { VKitti1Dataset } from '../../src/data/vkitti1.js';
import { DataWorkerPool } from '../../src/data/worker-pool.js';
import { GlobalBatch } from '../../src/distributed/global-batch.js';
import { rmTmp, tmpDir, writeVKitti1 } from './fixtures.js';

async function collect<B>(it: AsyncGenerator<LoaderItem<B>>, max = Infinity): Promise<LoaderItem<B>[]> {
  const out: LoaderItem<B>[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length >= max) break;
  }
  return out;
}

describe('DataLoader', () => {
  let root: string;
  let ds: VKitti1Dataset;
  before(async () => {
    root = tmpDir();
    await writeVKitti1(root, { frames: 3 }); // 12 samples of 12x8
    ds = await VKitti1Dataset.open({ root, labelSpace: 'vkitti' });
  });
  after(() => rmTmp(root));

  const train = (extra: Partial<LoaderOptions<HostBatch>> = {}) =>
    new DataLoader<HostBatch>(ds, {
      batchSize: 5,
      shuffle: true,
      dropLast: true,
      seed: 11,
      transform: trainTransform({ crop: 9 }),
      prefetch: 2,
      concurrency: 3,
      ...extra,
    });

  test('yields fixed-size shuffled batches with drop_last and positions', async () => {
    const l = train();
    assert.equal(l.batchesPerEpoch, 2);
    const items = await collect(l.iterate({ epochs: 2 }));
    assert.equal(items.length, 4);
    for (const { batch } of items) {
      assert.deepEqual([batch.n, batch.height, batch.width], [5, 9, 9]);
      assert.equal(batch.images.length, 5 * 9 * 9 * 3);
      assert.equal(batch.labels.length, 5 * 9 * 9);
      assert.equal(batch.ids.length, 5);
    }
    assert.deepEqual(
      items.map((i) => [i.epoch, i.next]),
      [
        [0, { epoch: 0, indexInEpoch: 5 }],
        [0, { epoch: 1, indexInEpoch: 0 }],
        [1, { epoch: 1, indexInEpoch: 5 }],
        [1, { epoch: 2, indexInEpoch: 0 }],
      ],
    );
    const ep0 = items.slice(0, 2).flatMap((i) => i.batch.ids);
    assert.equal(new Set(ep0).size, 10);
    assert.notDeepEqual(
      ep0,
      items.slice(2).flatMap((i) => i.batch.ids),
    );
    assert.notDeepEqual(
      ep0,
      ds
        .list()
        .slice(0, 10)
        .map((r) => r.id),
    );
  });

  test('a data-parallel share loads only its contiguous run of each global batch; the shares make up the batch', async () => {
    const global = train({ batchSize: 6 });
    const whole = await collect(global.iterate({ epochs: 2 }));
    const shares = await Promise.all([0, 1, 2].map((rank) => collect(train({ batchSize: 6, share: GlobalBatch.planned(rank, 3) }).iterate({ epochs: 2 }))));
    assert.equal(whole.length, 4);
    for (let b = 0; b < whole.length; b++) {
      const parts = shares.map((s) => s[b]!);
      for (const p of parts) assert.equal(p.batch.n, 2);
      assert.deepEqual(
        parts.flatMap((p) => p.batch.ids),
        whole[b]!.batch.ids,
      );
      assert.deepEqual(Buffer.concat(parts.map((p) => p.batch.images)), whole[b]!.batch.images);
      assert.deepEqual(Buffer.concat(parts.map((p) => p.batch.labels)), whole[b]!.batch.labels);
      for (const p of parts) assert.deepEqual(p.next, whole[b]!.next, "positions are the global batch's");
    }
    assert.throws(() => train({ batchSize: 5, share: GlobalBatch.planned(0, 2) }), /5 does not split into 2/);
    assert.throws(() => train({ share: GlobalBatch.planned(2, 2) }), /rank 2 is not in a world of 2/);
  });

  test('resuming at a position gives exactly the batches a full run gives from there', async () => {
    const full = await collect(train().iterate({ epochs: 3 }));
    for (const k of [0, 1, 2, 4]) {
      const resumed = await collect(train({ prefetch: 1, concurrency: 1 }).iterate({ startAt: full[k]!.next, epochs: 3 - full[k]!.next.epoch }));
      assert.equal(resumed.length, full.length - k - 1);
      resumed.forEach((r, j) => {
        assert.deepEqual(r, full[k + 1 + j], `batch ${k + 1 + j} after resuming at ${JSON.stringify(full[k]!.next)}`);
      });
    }
    // a different seed gives different data
    const other = await collect(train({ seed: 12 }).iterate({ epochs: 1 }));
    assert.notDeepEqual(other[0]?.batch.images, full[0]?.batch.images);
    await assert.rejects(
      train()
        .iterate({ startAt: { epoch: 0, indexInEpoch: 3 } })
        .next(),
      /startAt\.indexInEpoch 3 is not a batch boundary in \[0, 10\]/,
    );
  });

  test('never runs more than `concurrency` loads at once', async () => {
    let active = 0;
    let peak = 0;
    const counting: Dataset = Object.create(ds, {
      load: {
        value: async (i: number) => {
          active++;
          peak = Math.max(peak, active);
          try {
            return await ds.load(i);
          } finally {
            active--;
          }
        },
      },
    });
    const l = new DataLoader(counting, { batchSize: 4, concurrency: 2, prefetch: 3 });
    const items = await collect(l.iterate({ epochs: 1 }));
    assert.equal(items.length, 3);
    assert.equal(peak, 2);
  });

  test('eval loading: whole images in dataset order, batch 1, last partial batch kept', async () => {
    const items = await collect(evalLoader(ds).epoch(0));
    assert.deepEqual(
      items.map((i) => i.batch.ids[0]),
      ds.list().map((r) => r.id),
    );
    const first = await ds.load(0);
    assert.deepEqual(items[0]?.batch.images, first.image);
    assert.deepEqual(items[0]?.batch.labels, first.label);
    const partial = await collect(new DataLoader(ds, { batchSize: 5 }).epoch(0));
    assert.deepEqual(
      partial.map((i) => i.batch.n),
      [5, 5, 2],
    );
  });

  test('collate hook, differing sizes and load errors surface with names', async () => {
    const l = new DataLoader<number>(ds, { batchSize: 2, collate: (b: HostBatch) => b.n * 100 });
    assert.deepEqual(
      (await collect(l.epoch(0))).map((i) => i.batch),
      [200, 200, 200, 200, 200, 200],
    );
    const a = await ds.load(0);
    assert.throws(
      () => packSamples([a, { ...a, id: 'x', width: 3, height: 4 }], [0, 1]),
      /cannot batch samples of different sizes: 0001\/clone\/00000 is 12x8 but x is 3x4/,
    );
    const r2 = tmpDir();
    try {
      await writeVKitti1(r2, { worlds: ['0001'], variations: ['clone'], frames: 4 });
      const d2 = await VKitti1Dataset.open({ root: r2, labelSpace: 'vkitti' });
      fs.writeFileSync(d2.list()[3]!.image, 'garbage');
      const it = new DataLoader(d2, { batchSize: 2, prefetch: 4 }).epoch(0);
      assert.equal((await it.next()).value?.batch.n, 2);
      await assert.rejects(it.next(), /corrupt or unreadable image file .*00003\.png/);
    } finally {
      rmTmp(r2);
    }
    assert.throws(() => new DataLoader(ds, { batchSize: 20, dropLast: true }), /has 12 samples, fewer than one batch of 20/);
  });

  test('a worker pool gives exactly the in-process batches, and names load errors', async () => {
    const augment = { crop: 9, scale: [1.4, 2.0] as [number, number], colorJitter: { brightness: 0.2 } };
    const local = await collect(
      new DataLoader<HostBatch>(ds, { batchSize: 5, shuffle: true, dropLast: true, seed: 3, transform: trainTransform(augment) }).iterate({ epochs: 2 }),
    );
    const pool = await DataWorkerPool.start({
      data: { layout: 'vkitti1', root, labelSpace: 'vkitti', unknownColor: 'error' },
      transform: augment,
      seed: 3,
      workers: 2,
      dataset: ds,
    });
    try {
      const viaPool = await collect(
        new DataLoader<HostBatch>(ds, { batchSize: 5, shuffle: true, dropLast: true, seed: 3, source: pool }).iterate({ epochs: 2 }),
      );
      assert.deepEqual(viaPool, local);
      assert.throws(() => new DataLoader(ds, { batchSize: 5, seed: 4, source: pool }), /source seed 3 differs from loader seed 4/);
      await assert.rejects(pool.load(99, 0), /vkitti1 sample index 99 out of range/);
    } finally {
      await pool.close();
    }
    await assert.rejects(
      DataWorkerPool.start({ data: { layout: 'kitti', root, labelSpace: 'vkitti-kitti', unknownColor: 'error' }, workers: 1 }),
      /KITTI image_2 directory missing/,
    );
  });
});
