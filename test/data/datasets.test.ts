import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KittiDataset } from '../../src/data/kitti.js';
import { cityscapesLut, nativeMapping } from '../../src/data/label-spaces.js';
import { openDataset } from '../../src/data/open.js';
import { DataConfigSchema } from '../../src/data/schema.js';
import { VKitti1Dataset } from '../../src/data/vkitti1.js';
import { VKitti2Dataset } from '../../src/data/vkitti2.js';
import { type Expected, rmTmp, tmpDir, writeKitti, writePng, writeVKitti1, writeVKitti2 } from './fixtures.js';

function expectedLabel(e: Expected, map: (k: string | number) => number): number[] {
  return e.native.map(map);
}

describe('vkitti1', () => {
  let root: string;
  let exp: Map<string, Expected>;
  before(async () => {
    root = tmpDir();
    exp = await writeVKitti1(root);
  });
  after(() => rmTmp(root));

  test('lists, filters and loads with per-sequence colour tables, both label spaces', async () => {
    const all = await VKitti1Dataset.open({ root, labelSpace: 'vkitti' });
    assert.equal(all.length, 12);
    assert.deepEqual(all.list()[0], {
      id: '0001/clone/00000',
      image: path.join(root, 'vkitti_1.3.1_rgb/0001/clone/00000.png'),
      label: path.join(root, 'vkitti_1.3.1_scenegt/0001/clone/00000.png'),
    });
    const ds = await VKitti1Dataset.open({ root, labelSpace: 'vkitti-kitti', worlds: [2], variations: ['fog'], frames: { start: 1, end: 3, step: 1 } });
    assert.deepEqual(
      ds.list().map((r) => r.id),
      ['0002/fog/00001', '0002/fog/00002'],
    );
    assert.deepEqual(ds.fileList(), [
      'vkitti_1.3.1_rgb/0002/fog/00001.png\tvkitti_1.3.1_scenegt/0002/fog/00001.png',
      'vkitti_1.3.1_rgb/0002/fog/00002.png\tvkitti_1.3.1_scenegt/0002/fog/00002.png',
    ]);
    for (const [space, d] of [
      ['vkitti', all],
      ['vkitti-kitti', ds],
    ] as const) {
      const m = nativeMapping(space, 'vkitti');
      for (let i = 0; i < d.length; i++) {
        const s = await d.load(i);
        const e = exp.get(s.id)!;
        assert.equal(s.width, 12);
        assert.equal(s.height, 8);
        assert.deepEqual(s.image, e.image);
        assert.deepEqual(
          [...s.label],
          expectedLabel(e, (k) => m.get(String(k))!),
        );
      }
    }
    const step = await VKitti1Dataset.open({ root, labelSpace: 'vkitti', worlds: ['0001'], frames: { start: 0, step: 2 } });
    assert.deepEqual(
      step.list().map((r) => r.id),
      ['0001/clone/00000', '0001/clone/00002', '0001/fog/00000', '0001/fog/00002'],
    );
  });

  test('bad filters and empty splits say what matched nothing', async () => {
    await assert.rejects(
      VKitti1Dataset.open({ root, labelSpace: 'vkitti', worlds: ['0003'] }),
      /worlds 0003 not found under .*vkitti_1\.3\.1_rgb; available: 0001, 0002/,
    );
    await assert.rejects(
      VKitti1Dataset.open({ root, labelSpace: 'vkitti', variations: ['rain'] }),
      /variations rain not found under .*0001; available: clone, fog/,
    );
    await assert.rejects(
      VKitti1Dataset.open({ root, labelSpace: 'vkitti', worlds: ['0001'], variations: ['clone'], frames: { start: 50, end: 60 } }),
      (e: Error) =>
        e.message.includes(`empty vkitti1 split under ${root}: frames 50..60 step 1 (in 1 sequences: worlds [0001], variations [clone]) matched no samples`),
    );
    await assert.rejects(VKitti1Dataset.open({ root: path.join(root, 'nope'), labelSpace: 'vkitti' }), /dataset root directory missing: .*nope/);
  });
});

describe('vkitti1 bad inputs', () => {
  let root: string;
  before(() => (root = tmpDir()));
  after(() => rmTmp(root));
  const fresh = async (name: string) => {
    const r = path.join(root, name);
    await writeVKitti1(r, { worlds: ['0001'], variations: ['clone'], frames: 2 });
    return r;
  };
  const lab = (r: string, f = '00000') => path.join(r, `vkitti_1.3.1_scenegt/0001/clone/${f}.png`);
  const img = (r: string, f = '00000') => path.join(r, `vkitti_1.3.1_rgb/0001/clone/${f}.png`);

  test('missing label at listing, missing image/label at load', async () => {
    const r = await fresh('missing');
    fs.rmSync(lab(r, '00001'));
    await assert.rejects(
      VKitti1Dataset.open({ root: r, labelSpace: 'vkitti' }),
      (e: Error) => e.message === `label file missing: ${lab(r, '00001')} (for image ${img(r, '00001')})`,
    );
    const ds = await VKitti1Dataset.open({ root: r, labelSpace: 'vkitti', frames: { end: 1 } });
    fs.rmSync(img(r));
    await assert.rejects(ds.load(0), (e: Error) => e.name === 'DataError' && e.message === `image file missing: ${img(r)}`);
  });

  test('missing colour table is named', async () => {
    const r = await fresh('notable');
    const t = path.join(r, 'vkitti_1.3.1_scenegt/0001_clone_scenegt_rgb_encoding.txt');
    fs.rmSync(t);
    await assert.rejects(VKitti1Dataset.open({ root: r, labelSpace: 'vkitti' }), (e: Error) => e.message === `colour table missing: ${t}`);
  });

  test('size mismatch names both sizes and files', async () => {
    const r = await fresh('size');
    await writePng(lab(r), Buffer.alloc(5 * 4 * 3, 80), 5, 4, 3);
    const ds = await VKitti1Dataset.open({ root: r, labelSpace: 'vkitti' });
    await assert.rejects(ds.load(0), (e: Error) => e.message === `label size 5x4 (${lab(r)}) differs from image size 12x8 (${img(r)})`);
  });

  test("corrupt PNG names the file and sharp's message", async () => {
    const r = await fresh('corrupt');
    fs.writeFileSync(lab(r), fs.readFileSync(lab(r)).subarray(0, 30));
    fs.writeFileSync(img(r, '00001'), 'not a png at all');
    const ds = await VKitti1Dataset.open({ root: r, labelSpace: 'vkitti' });
    await assert.rejects(
      ds.load(0),
      (e: Error) => e.message.startsWith(`corrupt or unreadable label file ${lab(r)}: `) && e.message.length > lab(r).length + 35,
    );
    await assert.rejects(
      ds.load(1),
      (e: Error) => e.message === `corrupt or unreadable image file ${img(r, '00001')}: Input file contains unsupported image format`,
    );
  });

  test('unknown colour: error with file, pixel and colour, or 255 with unknownColor ignore', async () => {
    const r = await fresh('colour');
    const px = Buffer.alloc(12 * 8 * 3, 80); // Misc everywhere ...
    px[(3 * 12 + 5) * 3] = 81; // ... except (5, 3)
    await writePng(lab(r), px, 12, 8, 3);
    const strict = await VKitti1Dataset.open({ root: r, labelSpace: 'vkitti' });
    await assert.rejects(strict.load(0), (e: Error) =>
      e.message.startsWith(`${lab(r)}: pixel (x=5, y=3) has colour (81, 80, 80) that is not in the colour table `),
    );
    const lax = await VKitti1Dataset.open({ root: r, labelSpace: 'vkitti', unknownColor: 'ignore' });
    const s = await lax.load(0);
    assert.equal(s.label[3 * 12 + 5], 255);
    assert.equal(s.label[0], 10);
  });

  test('out-of-range index', async () => {
    const r = await fresh('range');
    const ds = await VKitti1Dataset.open({ root: r, labelSpace: 'vkitti' });
    await assert.rejects(ds.load(2), /vkitti1 sample index 2 out of range \[0, 2\)/);
  });
});

describe('vkitti2', () => {
  let root: string;
  let exp: Map<string, Expected>;
  before(async () => {
    root = tmpDir();
    exp = await writeVKitti2(root);
  });
  after(() => rmTmp(root));

  test('lists, filters and decodes (colors.txt per variation, Undefined -> 255)', async () => {
    const all = await VKitti2Dataset.open({ root, labelSpace: 'vkitti' });
    assert.equal(all.length, 8);
    assert.equal(all.list()[0]?.id, 'Scene01/clone/Camera_0/00000');
    const ds = await VKitti2Dataset.open({ root, labelSpace: 'vkitti-kitti', scenes: [2], variations: ['morning'], frames: { start: 1 } });
    assert.deepEqual(ds.fileList(), ['Scene02/morning/frames/rgb/Camera_0/rgb_00001.jpg\tScene02/morning/frames/classSegmentation/Camera_0/classgt_00001.png']);
    for (const [space, d] of [
      ['vkitti', all],
      ['vkitti-kitti', ds],
    ] as const) {
      const m = nativeMapping(space, 'vkitti');
      for (let i = 0; i < d.length; i++) {
        const s = await d.load(i);
        const e = exp.get(s.id)!;
        assert.equal(s.image.length, 10 * 6 * 3);
        assert.deepEqual(
          [...s.label],
          expectedLabel(e, (k) => m.get(String(k))!),
        );
        assert.ok(s.label.includes(255));
      }
    }
    await assert.rejects(VKitti2Dataset.open({ root, labelSpace: 'vkitti', camera: 'Camera_1' }), /VKITTI2 rgb directory missing: .*Camera_1/);
  });
});

describe('kitti', () => {
  let root: string;
  let exp: Map<string, Expected>;
  before(async () => {
    root = tmpDir();
    exp = await writeKitti(root);
  });
  after(() => rmTmp(root));

  test('lists, selects ids, maps Cityscapes ids', async () => {
    const all = await KittiDataset.open({ root, labelSpace: 'vkitti-kitti' });
    assert.deepEqual(
      all.list().map((r) => r.id),
      ['000000_10', '000001_10', '000002_10'],
    );
    const lut = cityscapesLut('vkitti-kitti');
    for (let i = 0; i < all.length; i++) {
      const s = await all.load(i);
      const e = exp.get(s.id)!;
      assert.deepEqual(s.image, e.image);
      assert.deepEqual(
        [...s.label],
        e.native.map((v) => lut[Number(v)]),
      );
    }
    const some = await KittiDataset.open({ root, labelSpace: 'vkitti-kitti', ids: ['000002_10', '000000_10'] });
    assert.deepEqual(some.fileList(), [
      'training/image_2/000002_10.png\ttraining/semantic/000002_10.png',
      'training/image_2/000000_10.png\ttraining/semantic/000000_10.png',
    ]);
    const range = await KittiDataset.open({ root, labelSpace: 'vkitti-kitti', frames: { start: 1, end: 2 } });
    assert.deepEqual(
      range.list().map((r) => r.id),
      ['000001_10'],
    );
  });

  test('errors: unknown id, vkitti space, non-Cityscapes values, empty split', async () => {
    await assert.rejects(
      KittiDataset.open({ root, labelSpace: 'vkitti-kitti', ids: ['000009_10'] }),
      /image file missing for ids 000009_10: e\.g\. .*image_2\/000009_10\.png/,
    );
    await assert.rejects(KittiDataset.open({ root, labelSpace: 'vkitti' }), /"vkitti" has no mapping from cityscapes labels/);
    await assert.rejects(
      KittiDataset.open({ root, labelSpace: 'vkitti-kitti', frames: { start: 7 } }),
      /empty kitti split under .*: frames 7\.\.end step 1 \(of 3 images\) matched no samples/,
    );
    const r2 = tmpDir();
    try {
      await writeKitti(r2, { count: 1 });
      const f = path.join(r2, 'training/semantic/000000_10.png');
      const bad = Buffer.alloc(14 * 5, 7);
      bad[2 * 14 + 9] = 128;
      await writePng(f, bad, 14, 5, 1);
      const ds = await KittiDataset.open({ root: r2, labelSpace: 'vkitti-kitti' });
      await assert.rejects(ds.load(0), (e: Error) => e.message.startsWith(`${f}: pixel (x=9, y=2) has value 128, not a Cityscapes label id`));
      const lax = await KittiDataset.open({ root: r2, labelSpace: 'vkitti-kitti', unknownColor: 'ignore' });
      assert.equal((await lax.load(0)).label[2 * 14 + 9], 255);
    } finally {
      rmTmp(r2);
    }
  });
});

test('DataConfigSchema: per-layout defaults, strict fields; openDataset dispatches', async () => {
  const cfg = DataConfigSchema.parse({ layout: 'kitti', root: '/x' });
  assert.deepEqual(cfg, { layout: 'kitti', root: '/x', labelSpace: 'vkitti-kitti', unknownColor: 'error' });
  const v = DataConfigSchema.parse({ layout: 'vkitti1', root: '/x', worlds: ['0001', 2], frames: { end: 100 } });
  assert.deepEqual(v, {
    layout: 'vkitti1',
    root: '/x',
    labelSpace: 'vkitti',
    unknownColor: 'error',
    worlds: ['0001', 2],
    frames: { start: 0, end: 100, step: 1 },
  });
  assert.equal(DataConfigSchema.safeParse({ layout: 'vkitti1', root: '/x', scenes: ['Scene01'] }).success, false);
  assert.equal(DataConfigSchema.safeParse({ layout: 'kitti', root: '/x', labelSpace: 'coco' }).success, false);
  assert.equal(DataConfigSchema.safeParse({ layout: 'vkitti1', root: '/x', frames: { start: 5, end: 5 } }).success, false);
  const root = tmpDir();
  try {
    await writeKitti(root, { count: 2 });
    const ds = await openDataset(DataConfigSchema.parse({ layout: 'kitti', root }));
    assert.equal(ds.layout, 'kitti');
    assert.equal(ds.length, 2);
    assert.equal(ds.labelSpace.numClasses, 10);
  } finally {
    rmTmp(root);
  }
});
