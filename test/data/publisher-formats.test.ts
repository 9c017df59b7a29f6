// Trees written as the publishers document them (test/data/publisher-fixtures.ts, not src/synth) load with
// the expected labels, evaluate end to end, and files that are not in the published format are refused by name.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { readLabelIds } from '../../src/data/image-io.js';
import { cityscapesLut, nativeMapping } from '../../src/data/label-spaces.js';
import { openDataset } from '../../src/data/open.js';
import { type DataConfigInput, DataConfigSchema } from '../../src/data/schema.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { countConfusion } from '../../src/eval/metrics.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { manualSeed } from '../../src/tensor/index.js';
import { rmTmp, tmpDir, writePng } from './fixtures.js';
import { type PublishedSample, VKITTI1_HEADER, writePublishedKitti, writePublishedVKitti1, writePublishedVKitti2 } from './publisher-fixtures.js';

const open = (cfg: DataConfigInput): Promise<Dataset> => openDataset(DataConfigSchema.parse(cfg));

/** Expected label of a sample in a label space: native key -> class index. */
function expectedLabel(e: PublishedSample, space: string, source: 'vkitti' | 'cityscapes'): number[] {
  if (source === 'cityscapes') {
    const lut = cityscapesLut(space);
    return e.native.map((k) => lut[Number(k)]!);
  }
  const m = nativeMapping(space, 'vkitti');
  return e.native.map((k) => m.get(String(k))!);
}

/** Loads every sample and compares it with what the fixture wrote. */
async function checkAll(ds: Dataset, exp: Map<string, PublishedSample>, space: string, source: 'vkitti' | 'cityscapes'): Promise<void> {
  for (let i = 0; i < ds.length; i++) {
    const s = await ds.load(i);
    const e = exp.get(s.id);
    assert.ok(e, `unexpected sample ${s.id}`);
    assert.deepEqual([s.width, s.height], [e.width, e.height]);
    if (e.image) assert.ok(s.image.equals(e.image), `${s.id}: image bytes differ`);
    assert.deepEqual([...s.label], expectedLabel(e, space, source), `${s.id}: labels differ`);
  }
}

describe('Virtual KITTI 1.3.1 as published', () => {
  let root: string;
  let exp: Map<string, PublishedSample>;
  before(async () => {
    root = tmpDir();
    exp = await writePublishedVKitti1(root);
  });
  after(() => rmTmp(root));

  test('the encoding files start with the published header and list Car:N / Van:N instances', () => {
    const text = fs.readFileSync(path.join(root, 'vkitti_1.3.1_scenegt', '0020_15-deg-left_scenegt_rgb_encoding.txt'), 'utf8');
    assert.equal(text.split('\n')[0], VKITTI1_HEADER);
    assert.match(text, /^Car:12 \d+ \d+ \d+$/m);
    assert.match(text, /^Van:3 \d+ \d+ \d+$/m);
  });

  test('loads in both label spaces, worlds and variations as named on disk', async () => {
    for (const space of ['vkitti', 'vkitti-kitti'] as const) {
      const ds = await open({ layout: 'vkitti1', root, labelSpace: space });
      assert.equal(ds.length, exp.size);
      assert.deepEqual(
        ds
          .list()
          .map((r) => r.id)
          .slice(0, 3),
        ['0001/15-deg-left/00000', '0001/15-deg-left/00001', '0001/clone/00000'],
      );
      await checkAll(ds, exp, space, 'vkitti');
    }
    const one = await open({ layout: 'vkitti1', root, worlds: [20], variations: ['15-deg-left'], frames: { start: 1 } });
    assert.deepEqual(one.fileList(), ['vkitti_1.3.1_rgb/0020/15-deg-left/00001.png\tvkitti_1.3.1_scenegt/0020/15-deg-left/00001.png']);
  });

  test('a table line that is not "Category[:id] r g b" is named by file and line', async () => {
    const r = tmpDir();
    try {
      await writePublishedVKitti1(r, { worlds: ['0002'], variations: ['fog'], frames: 1 });
      const table = path.join(r, 'vkitti_1.3.1_scenegt', '0002_fog_scenegt_rgb_encoding.txt');
      const lines = fs.readFileSync(table, 'utf8').split('\n');
      lines[14] = 'Car:12 201 30';
      fs.writeFileSync(table, lines.join('\n'));
      await assert.rejects(
        open({ layout: 'vkitti1', root: r }),
        (e: Error) => e.name === 'DataError' && e.message.startsWith(`${table}:15: expected "Category r g b"`),
      );
      fs.writeFileSync(table, `Category:id r g b\n${lines.slice(1).join('\n')}`);
      await assert.rejects(open({ layout: 'vkitti1', root: r }), (e: Error) =>
        e.message.startsWith(`${table}:1: expected a header line "Category(:id) r g b" or "Category r g b"`),
      );
    } finally {
      rmTmp(r);
    }
  });
});

describe('Virtual KITTI 2 as published', () => {
  const roots: string[] = [];
  after(() => roots.forEach(rmTmp));

  for (const [what, opts] of [
    ['one merged tree', {}],
    ['one directory per archive, README spelling classsegmentation', { archives: true, classDir: 'classsegmentation' }],
  ] as const) {
    test(`loads ${what}, colors.txt per variation, both cameras`, async () => {
      const root = tmpDir();
      roots.push(root);
      const exp = await writePublishedVKitti2(root, opts);
      for (const camera of ['Camera_0', 'Camera_1']) {
        const ds = await open({ layout: 'vkitti2', root, camera, labelSpace: 'vkitti-kitti' });
        assert.equal(ds.length, exp.size / 2);
        assert.equal(ds.list()[0]?.id, `Scene01/clone/${camera}/00000`);
        await checkAll(ds, exp, 'vkitti-kitti', 'vkitti');
      }
      const ds = await open({ layout: 'vkitti2', root, scenes: [20], variations: ['fog'], frames: { start: 1 } });
      const [img, lab] = ds.fileList()[0]!.split('\t');
      const prefix = (kind: string): string => ('archives' in opts ? `vkitti_2.0.3_${kind}/` : '');
      assert.equal(img, `${prefix('rgb')}Scene20/fog/frames/rgb/Camera_0/rgb_00001.jpg`);
      assert.equal(
        lab,
        `${prefix('classSegmentation')}Scene20/fog/frames/${'classDir' in opts ? opts.classDir : 'classSegmentation'}/Camera_0/classgt_00001.png`,
      );
      const s = await ds.load(0);
      assert.ok(s.label.includes(255), 'Undefined must map to 255');
      await checkAll(ds, exp, 'vkitti', 'vkitti');
    });
  }

  test('a missing colors.txt or a tree of neither kind is named', async () => {
    const root = tmpDir();
    roots.push(root);
    await writePublishedVKitti2(root, { scenes: ['Scene06'], variations: ['rain'], frames: 1 });
    const table = path.join(root, 'Scene06', 'rain', 'colors.txt');
    fs.rmSync(table);
    await assert.rejects(open({ layout: 'vkitti2', root }), (e: Error) => e.message === `colour table missing: ${table}`);
    const empty = tmpDir();
    roots.push(empty);
    fs.mkdirSync(path.join(empty, 'vkitti_2.0.3_rgb'));
    await assert.rejects(open({ layout: 'vkitti2', root: empty }), /no SceneXX directory and no vkitti_<version>_classSegmentation directory under /);
  });
});

describe('KITTI semantic segmentation 2015 as published', () => {
  let root: string;
  let exp: Map<string, PublishedSample>;
  before(async () => {
    root = tmpDir();
    exp = await writePublishedKitti(root, { width: 24, height: 16 });
  });
  after(() => rmTmp(root));

  test('loads training/semantic ids next to semantic_rgb, instance and testing/', async () => {
    const ds = await open({ layout: 'kitti', root });
    assert.deepEqual(
      ds.list().map((r) => r.id),
      ['000000_10', '000001_10'],
    );
    await checkAll(ds, exp, 'vkitti-kitti', 'cityscapes');
  });

  test('colour (semantic_rgb) and 16-bit (instance) files are refused as id labels, naming the file', async () => {
    const rgb = path.join(root, 'training', 'semantic_rgb', '000000_10.png');
    const inst = path.join(root, 'training', 'instance', '000000_10.png');
    await assert.rejects(
      readLabelIds(rgb, 'label'),
      (e: Error) => e.name === 'DataError' && e.message.startsWith(`label file ${rgb}: pixel (x=0, y=0) has colour (128, 64, 128); expected label ids`),
    );
    await assert.rejects(readLabelIds(inst, 'label'), (e: Error) => e.message.startsWith(`label file ${inst}: is a 16-bit image`));
  });

  test('grey ids stored as an RGB PNG (R = G = B) read as the single-channel file does', async () => {
    const sem = path.join(root, 'training', 'semantic', '000001_10.png');
    const asRgb = path.join(root, 'grey-as-rgb.png');
    const ids = await readLabelIds(sem, 'label');
    const rgb = Buffer.alloc(ids.data.length * 3);
    ids.data.forEach((v, i) => {
      rgb.fill(v, i * 3, i * 3 + 3);
    });
    await writePng(asRgb, rgb, ids.width, ids.height, 3);
    const got = await readLabelIds(asRgb, 'label');
    assert.deepEqual([got.channels, got.width, got.height], [1, ids.width, ids.height]);
    assert.ok(got.data.equals(ids.data));
  });

  test('evaluates end to end: the confusion matrix is the published labels against the predictions', async () => {
    const ds = await open({ layout: 'kitti', root });
    manualSeed(0);
    const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: ds.labelSpace.numClasses });
    try {
      const expected = new Float64Array(ds.labelSpace.numClasses ** 2);
      const res = await evaluate(model, ds, {
        labelSpace: ds.labelSpace,
        device: 'cpu',
        onPrediction: (s, pred) => {
          const cm = countConfusion(expectedLabel(exp.get(s.id)!, 'vkitti-kitti', 'cityscapes'), pred, ds.labelSpace.numClasses);
          cm.forEach((v, i) => {
            expected[i]! += v;
          });
        },
      });
      assert.equal(res.images, 2);
      assert.deepEqual([...res.confusion], [...expected]);
      // every pixel that is not an unmapped Cityscapes id is counted
      const counted = [...exp.values()].reduce((n, e) => n + e.native.filter((id) => [7, 11, 17, 19, 20, 21, 22, 23, 26, 27].includes(Number(id))).length, 0);
      assert.equal(
        res.confusion.reduce((a, b) => a + b, 0),
        counted,
      );
    } finally {
      model.dispose();
    }
  });
});
