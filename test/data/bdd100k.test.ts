// BDD100K semantic segmentation trees written as the publisher documents them (bdd100k/bdd100k doc/source/
// download.rst and format.rst, the 2018 seg/ zip as RobustNet reads it; docs/datasets.md), independently of src/synth
// and of the reader: both layouts list and load with every class in cityscapes19 and synthia16, and trees that are
// not as published are refused naming the file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Dataset } from '../../src/data/dataset.js';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import { openDataset } from '../../src/data/open.js';
import { type DataConfigInput, DataConfigSchema } from '../../src/data/schema.js';
import { noise, rmTmp, tmpDir, writePng } from './fixtures.js';
import { writeEncodedPng } from './png-writer.js';

/** doc/source/format.rst, "Semantic Segmentation": "19 classes are evaluated. They are:" (255 is "unknown"). */
const FORMAT_RST = `
    0:  road
    1:  sidewalk
    2:  building
    3:  wall
    4:  fence
    5:  pole
    6:  traffic light
    7:  traffic sign
    8:  vegetation
    9:  terrain
    10: sky
    11: person
    12: rider
    13: car
    14: truck
    15: bus
    16: train
    17: motorcycle
    18: bicycle
`;

/** Class name by train id, as listed. */
const BDD_TRAIN_IDS = FORMAT_RST.trim()
  .split('\n')
  .map((line, i) => {
    const m = /^\s*(\d+):\s+(.+?)\s*$/.exec(line);
    assert.equal(Number(m?.[1]), i);
    return m![2]!;
  });

/** Every value a published mask holds: the 19 train ids and 255. */
const VALUES = [...BDD_TRAIN_IDS.keys(), 255];

type Release = 'sem_seg' | 'seg';

/** Where the publisher puts a split's images and labels, and how a label is named after its image. */
function place(root: string, release: Release, split: string): { images: string; labels: string; label: (stem: string) => string; colors: string } {
  return release === 'sem_seg'
    ? {
        images: path.join(root, 'images', '10k', split),
        labels: path.join(root, 'labels', 'sem_seg', 'masks', split),
        label: (s) => `${s}.png`,
        colors: path.join(root, 'labels', 'sem_seg', 'colormaps', split),
      }
    : {
        images: path.join(root, 'seg', 'images', split),
        labels: path.join(root, 'seg', 'labels', split),
        label: (s) => `${s}_train_id.png`,
        colors: path.join(root, 'seg', 'color_labels', split),
      };
}

/** Writes a tree of `release`: 1280x720-style JPEG images (tiny here), one-channel 8-bit masks, colour maps, test images. */
async function writeBdd(root: string, release: Release, o: { width?: number; height?: number; perSplit?: number } = {}): Promise<Map<string, number[]>> {
  const { width = 7, height = 5, perSplit = 2 } = o;
  const out = new Map<string, number[]>();
  let seed = 0;
  for (const split of ['train', 'val', 'test']) {
    const p = place(root, release, split);
    for (let k = 0; k < perSplit; k++) {
      const stem = `${split === 'val' ? '7d2f7975' : 'a91b7555'}-${(0xe0c1c5a7 + k * 977 + seed).toString(16).padStart(8, '0')}`;
      seed++;
      fs.mkdirSync(p.images, { recursive: true });
      await sharp(noise(width * height * 3, seed), { raw: { width, height, channels: 3 } })
        .jpeg()
        .toFile(path.join(p.images, `${stem}.jpg`));
      if (split === 'test') continue;
      const ids = Array.from({ length: width * height }, (_, i) => VALUES[(i + seed) % VALUES.length]!);
      writeEncodedPng(path.join(p.labels, p.label(stem)), { width, height, colorType: 0, bitDepth: 8, samples: ids });
      await writePng(path.join(p.colors, p.label(stem).replace('train_id', 'train_color')), noise(width * height * 3, 50 + seed), width, height, 3);
      out.set(`${split}/${stem}`, ids);
    }
  }
  return out;
}

const open = (cfg: Omit<DataConfigInput & { layout: 'bdd100k' }, 'layout'>): Promise<Dataset> =>
  openDataset(DataConfigSchema.parse({ layout: 'bdd100k', ...cfg }));

/** Train id -> class index in `space`, by the published class name (255 and classes the space lacks: 255). */
function expected(ids: number[], space: string): number[] {
  const classes = getLabelSpace(space).classes;
  return ids.map((v) => {
    const k = v === 255 ? -1 : classes.indexOf(BDD_TRAIN_IDS[v]!);
    return k < 0 ? 255 : k;
  });
}

async function checkAll(ds: Dataset, exp: Map<string, number[]>, split: string, space: string): Promise<void> {
  assert.equal(ds.length, [...exp.keys()].filter((k) => k.startsWith(`${split}/`)).length);
  for (let i = 0; i < ds.length; i++) {
    const s = await ds.load(i);
    const ids = exp.get(`${split}/${s.id}`);
    assert.ok(ids, `unexpected sample ${s.id}`);
    assert.deepEqual([s.width, s.height, s.image.length], [7, 5, 7 * 5 * 3]);
    assert.deepEqual([...s.label], expected(ids, space), `${s.id} in ${space}`);
  }
}

describe('BDD100K semantic segmentation as published', () => {
  const roots: Record<Release, string> = { sem_seg: '', seg: '' };
  const exps: Partial<Record<Release, Map<string, number[]>>> = {};
  before(async () => {
    for (const r of ['sem_seg', 'seg'] as const) {
      roots[r] = tmpDir();
      exps[r] = await writeBdd(roots[r], r);
    }
  });
  after(() => Object.values(roots).forEach(rmTmp));

  test('the published train ids are the cityscapes19 classes in order', () => {
    assert.deepEqual(getLabelSpace('cityscapes19').classes, BDD_TRAIN_IDS);
  });

  test('2021 layout (images/10k, labels/sem_seg/masks): lists by name and loads every class in cityscapes19 and synthia16', async () => {
    const root = roots.sem_seg;
    for (const split of ['train', 'val'] as const) {
      for (const labelSpace of ['cityscapes19', 'synthia16'] as const) {
        await checkAll(await open({ root, split, labelSpace }), exps.sem_seg!, split, labelSpace);
      }
    }
    const val = await open({ root });
    assert.equal(val.labelSpace.name, 'cityscapes19');
    const stem = val.list()[0]!.id;
    assert.equal(val.fileList()[0], `images/10k/val/${stem}.jpg\tlabels/sem_seg/masks/val/${stem}.png`);
    assert.deepEqual(
      val.list().map((r) => r.id),
      [...exps.sem_seg!.keys()]
        .filter((k) => k.startsWith('val/'))
        .map((k) => k.slice(4))
        .sort(),
    );
  });

  test('2018 seg/ layout (seg/labels/<split>/<name>_train_id.png), rooted at bdd100k/ or at seg/', async () => {
    for (const root of [roots.seg, path.join(roots.seg, 'seg')]) {
      for (const labelSpace of ['cityscapes19', 'synthia16'] as const) {
        await checkAll(await open({ root, split: 'train', labelSpace }), exps.seg!, 'train', labelSpace);
      }
    }
    const val = await open({ root: roots.seg, split: 'val' });
    const stem = val.list()[0]!.id;
    assert.equal(val.fileList()[0], `seg/images/val/${stem}.jpg\tseg/labels/val/${stem}_train_id.png`);
  });

  test('the test split has no public labels: refused, saying so', async () => {
    for (const root of Object.values(roots)) {
      await assert.rejects(
        open({ root, split: 'test' }),
        (e: Error) =>
          e.name === 'DataError' && /^BDD100K split test under .* has no public labels .* cannot be evaluated or trained on; use split: val$/.test(e.message),
      );
    }
  });

  test('unpaired images and labels are named (the pre-2021 zip had some); unpaired: skip leaves them out', async () => {
    const root = tmpDir();
    try {
      await writeBdd(root, 'sem_seg', { perSplit: 3 });
      const p = place(root, 'sem_seg', 'val');
      const a = fs.readdirSync(p.labels).sort()[0]!;
      fs.renameSync(path.join(p.labels, a), path.join(p.labels, 'ff55861e-a06b953c.png'));
      await assert.rejects(open({ root }), (e: Error) => {
        assert.equal(
          e.message,
          `BDD100K val images and labels do not pair up: image without a label ${p.labels}/<name>.png: ${p.images}/${a.replace('.png', '.jpg')}; ` +
            `label without an image ${p.images}/<name>.jpg: ${p.labels}/ff55861e-a06b953c.png. The image zip before June 2021 had six of each ` +
            '(bdd100k/bdd100k#103): download the current one, or set unpaired: skip to leave them out',
        );
        return true;
      });
      const ds = await open({ root, unpaired: 'skip' });
      assert.deepEqual(
        ds.list().map((r) => `${r.id}.png`),
        fs
          .readdirSync(p.labels)
          .filter((f) => f !== 'ff55861e-a06b953c.png')
          .sort(),
      );
    } finally {
      rmTmp(root);
    }
  });

  test('wrong label files are refused when loaded, naming the file (and pixel); listing decodes nothing', async () => {
    const root = tmpDir();
    try {
      await writeBdd(root, 'sem_seg', { perSplit: 4 });
      const p = place(root, 'sem_seg', 'val');
      const labels = fs.readdirSync(p.labels).sort();
      const file = (k: number): string => path.join(p.labels, labels[k]!);
      // an id beyond the train ids, at pixel (3, 1)
      const ids = new Array(35).fill(0);
      ids[7 + 3] = 19;
      writeEncodedPng(file(0), { width: 7, height: 5, colorType: 0, bitDepth: 8, samples: ids });
      // a colour map where the mask belongs, a mask of another size, a file that is no PNG
      fs.copyFileSync(path.join(p.colors, labels[1]!), file(1));
      writeEncodedPng(file(2), { width: 6, height: 5, colorType: 0, bitDepth: 8, samples: new Array(30).fill(1) });
      fs.writeFileSync(file(3), 'broken');
      const ds = await open({ root });
      assert.equal(ds.length, 4);
      await assert.rejects(ds.load(0), (e: Error) => {
        assert.equal(
          e.message,
          `${file(0)}: pixel (x=3, y=1) has value 19, not a BDD100K train id (0..18, or 255 = ignore) (set unknownColor: 'ignore' to map such pixels to 255)`,
        );
        return true;
      });
      await assert.rejects(ds.load(1), (e: Error) => e.message.startsWith(`label file ${file(1)}: is a PNG of colour type RGB, 8 bits per sample;`));
      await assert.rejects(ds.load(2), (e: Error) => e.message.startsWith(`label size 6x5 (${file(2)}) differs from image size 7x5 (`));
      await assert.rejects(ds.load(3), (e: Error) => e.message.startsWith(`label file ${file(3)}: not a PNG file`));
      const lenient = await open({ root, unknownColor: 'ignore' });
      const s = await lenient.load(0);
      assert.equal(s.label[10], 255);
      assert.equal(s.label[0], 0);
    } finally {
      rmTmp(root);
    }
  });

  test('a tree of neither layout, a missing label directory and a label space of other classes are named', async () => {
    const empty = tmpDir();
    try {
      await assert.rejects(open({ root: empty }), (e: Error) =>
        e.message.startsWith(`no BDD100K semantic segmentation tree under ${empty}: expected images/10k/val/ with labels/sem_seg/masks/val/ (2021 release)`),
      );
      fs.mkdirSync(path.join(empty, 'images', '10k', 'val'), { recursive: true });
      const masks = path.join(empty, 'labels', 'sem_seg', 'masks', 'val');
      await assert.rejects(open({ root: empty }), (e: Error) => e.message === `BDD100K val label directory missing: ${masks}`);
    } finally {
      rmTmp(empty);
    }
    await assert.rejects(open({ root: roots.sem_seg, labelSpace: 'vkitti' }), (e: Error) => {
      assert.match(e.message, /^label space "vkitti" cannot be fed from BDD100K labels \(Cityscapes classes\): it has classes Terrain, Sky, Tree/);
      assert.match(e.message, /usable label spaces: .*cityscapes19, synthia16/);
      return true;
    });
  });
});
