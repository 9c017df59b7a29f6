// GTA5 as published (test/data/benchmark-fixtures.ts, not src/synth): palette indices read as Cityscapes label ids
// (never the colours, which several ids share), the release's mismatched pairs, the split.mat split, refusals.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import type { Dataset } from '../../src/data/dataset.js';
import { GTA5_SIZE_MISMATCHED } from '../../src/data/gta5.js';
import { cityscapesLut, getLabelSpace, IGNORE_INDEX } from '../../src/data/label-spaces.js';
import { readMatNumericArrays } from '../../src/data/mat-file.js';
import { openDataset } from '../../src/data/open.js';
import { DataConfigSchema } from '../../src/data/schema.js';
import { pythonModulesMissing, runPython } from '../helpers/python.js';
import { CITYSCAPES_COLORS, checkNativeSamples, fixtureTree, withTree, writeMatFile, writePublishedGta5 } from './benchmark-fixtures.js';
import { rmTmp, tmpDir } from './fixtures.js';
import { writeEncodedPng } from './png-writer.js';

const open = (cfg: Record<string, unknown>): Promise<Dataset> => openDataset(DataConfigSchema.parse({ layout: 'gta5', ...cfg }));
const ids = (ds: Dataset): string[] => ds.list().map((r) => r.id);

describe('GTA5 as published', () => {
  // frame 2's label is twice the image size: one of the release's known mismatched frames (1, 2, 15188, ...)
  const tree = fixtureTree((root) => writePublishedGta5(root, { labelSize: { 2: [16, 10] } }));

  test('a config names the layout and root only: all frames, cityscapes19, known mismatched frames skipped', () => {
    assert.deepEqual(DataConfigSchema.parse({ layout: 'gta5', root: tree.root }), {
      layout: 'gta5',
      root: tree.root,
      labelSpace: 'cityscapes19',
      unknownColor: 'error',
      split: 'all',
      sizeMismatch: 'skip',
    });
    assert.deepEqual(GTA5_SIZE_MISMATCHED.slice(0, 4), [1, 2, 15188, 20803]);
    assert.equal(GTA5_SIZE_MISMATCHED.length, 38);
    assert.ok(GTA5_SIZE_MISMATCHED.includes(20834) && !GTA5_SIZE_MISMATCHED.includes(20835) && GTA5_SIZE_MISMATCHED.includes(20860));
  });

  test('loads the palette index as the Cityscapes id, in cityscapes19 and synthia16; frames 1 and 2 are left out', async () => {
    const ds = await open({ root: tree.root });
    assert.equal(ds.layout, 'gta5');
    assert.deepEqual(ids(ds), ['00003', '00004', '00005', '00006']);
    const seen = await checkNativeSamples(ds, tree.exp, cityscapesLut('cityscapes19'));
    assert.equal(seen.size, 34, 'the fixture paints every label id');
    await checkNativeSamples(await open({ root: tree.root, labelSpace: 'synthia16' }), tree.exp, cityscapesLut('synthia16'));
    assert.deepEqual(ids(await open({ root: tree.root, frames: { start: 4, end: 6 } })), ['00004', '00005']);
  });

  test('pole (17) and polegroup (18) share a colour in the palette, and the reader still tells them apart', async () => {
    const ds = await open({ root: tree.root });
    const e = tree.exp.get('00003')!;
    const pole = e.ids.indexOf(17);
    const group = e.ids.indexOf(18);
    assert.ok(pole >= 0 && group >= 0);
    // what a colour decode (sharp expands palettes) sees: the same RGB for both pixels
    const { data } = await sharp(path.join(tree.root, 'labels', '00003.png'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.deepEqual([...data.subarray(pole * 3, pole * 3 + 3)], [153, 153, 153]);
    assert.deepEqual([...data.subarray(group * 3, group * 3 + 3)], [153, 153, 153]);
    const s = await ds.load(0);
    assert.equal(s.label[pole], getLabelSpace('cityscapes19').classes.indexOf('pole'));
    assert.equal(s.label[group], IGNORE_INDEX);
    // the void ids 0..4 (all black) likewise stay what they are: ignored, not mistaken for one another's class
    assert.deepEqual(CITYSCAPES_COLORS[17], CITYSCAPES_COLORS[18]);
  });

  test('PIL reads the same palette indices from the label files (np.asarray(Image.open(f)), as the DA loaders do)', async (t) => {
    const missing = pythonModulesMissing('numpy', 'PIL');
    if (missing) return t.skip(missing);
    const file = path.join(tree.root, 'labels', '00004.png');
    const out = runPython(
      'import sys, numpy as np\nfrom PIL import Image\nim = Image.open(sys.argv[1])\nprint(im.mode, " ".join(map(str, np.asarray(im).ravel())))',
      { args: [file] },
    );
    const [mode, ...values] = out.trim().split(/\s+/);
    assert.equal(mode, 'P');
    assert.deepEqual(values.map(Number), tree.exp.get('00004')!.ids);
    // and a palette PNG written by PIL reads as its indices
    const pil = path.join(tree.root, 'pil.png');
    runPython(
      'import sys, numpy as np\nfrom PIL import Image\nim = Image.fromarray(np.arange(40, dtype=np.uint8).reshape(5, 8) % 34, mode="P")\n' +
        'im.putpalette([v for c in [(153, 153, 153)] * 256 for v in c])\nim.save(sys.argv[1])',
      { args: [pil] },
    );
    fs.copyFileSync(pil, path.join(tree.root, 'labels', '00006.png'));
    try {
      const ds = await open({ root: tree.root, frames: { start: 6 } });
      const lut = cityscapesLut('cityscapes19');
      assert.deepEqual(
        [...(await ds.load(0)).label],
        Array.from({ length: 40 }, (_, i) => lut[i % 34]!),
      );
    } finally {
      await writePublishedGta5(tree.root, { frames: [6] });
    }
  });

  test("sizeMismatch: resize keeps the known frames, resizing the label to the image's size by nearest neighbour", async () => {
    const ds = await open({ root: tree.root, sizeMismatch: 'resize' });
    assert.deepEqual(ids(ds), ['00001', '00002', '00003', '00004', '00005', '00006']);
    const s = await ds.load(1);
    assert.deepEqual([s.width, s.height], [8, 5]);
    // a label twice the size: pixel (x, y) takes the label pixel whose centre is nearest, (2x + 1, 2y + 1)
    const big = tree.exp.get('00002')!.ids;
    const lut = cityscapesLut('cityscapes19');
    const want = Array.from({ length: 40 }, (_, i) => lut[big[(2 * Math.floor(i / 8) + 1) * 16 + 2 * (i % 8) + 1]!]!);
    assert.deepEqual([...s.label], want);
  });

  test('split.mat: trainIds / valIds / testIds pick the frames (known mismatched ones still left out)', async () => {
    writeMatFile(path.join(tree.root, 'split.mat'), [
      { name: 'trainIds', values: [1, 3, 4], store: 'uint16' },
      { name: 'valIds', values: [5], store: 'uint8' },
      { name: 'testIds', values: [2, 6], store: 'double' },
    ]);
    assert.deepEqual(ids(await open({ root: tree.root, split: 'train' })), ['00003', '00004']);
    assert.deepEqual(ids(await open({ root: tree.root, split: 'val' })), ['00005']);
    assert.deepEqual(ids(await open({ root: tree.root, split: 'test' })), ['00006']);
    const elsewhere = path.join(tree.root, 'elsewhere', 'my-split.mat');
    writeMatFile(elsewhere, [{ name: 'valIds', values: [3, 4], store: 'double' }], { compress: false });
    assert.deepEqual(ids(await open({ root: tree.root, split: 'val', splitFile: elsewhere })), ['00003', '00004']);
    await assert.rejects(
      open({ root: tree.root, split: 'train', splitFile: elsewhere }),
      (e: Error) => e.message === `MAT-file ${elsewhere}: no numeric array trainIds (it has valIds); expected GTA5's split.mat with trainIds, valIds, testIds`,
    );
    await assert.rejects(open({ root: path.join(tree.root, 'elsewhere'), split: 'val' }), /GTA5 images directory missing/);
    const none = path.join(tree.root, 'none.mat');
    await assert.rejects(open({ root: tree.root, split: 'val', splitFile: none }), (e: Error) => e.message === `MAT-file missing: ${none}`);
  });

  test('refusals name the file: a missing label, an RGB label, an unknown index, an unknown size mismatch', async () => {
    await withTree(
      (root) => writePublishedGta5(root, { frames: [3, 4, 5], labelSize: { 5: [8, 4] } }),
      async (bad) => {
        const ds = await open({ root: bad });
        const l3 = path.join(bad, 'labels', '00003.png');
        writeEncodedPng(l3, { width: 8, height: 5, colorType: 2, bitDepth: 8, samples: new Array(120).fill(7) });
        // (the wording is png-index.ts's; what matters here: the file, that it is RGB, that a palette PNG is expected)
        await assert.rejects(
          ds.load(0),
          (e: Error) => e.name === 'DataError' && e.message.startsWith(`label file ${l3}: `) && /RGB.*palette PNG/.test(e.message),
        );
        const l4 = path.join(bad, 'labels', '00004.png');
        const idx = Array.from({ length: 40 }, (_, i) => (i === 9 ? 40 : 26));
        writeEncodedPng(l4, { width: 8, height: 5, colorType: 3, bitDepth: 8, samples: idx, palette: [...CITYSCAPES_COLORS, ...new Array(7).fill([0, 0, 0])] });
        await assert.rejects(
          ds.load(1),
          (e: Error) =>
            e.message === `${l4}: pixel (x=1, y=1) has value 40, not a Cityscapes label id (0..33) (set unknownColor: 'ignore' to map such pixels to 255)`,
        );
        const car = getLabelSpace('cityscapes19').classes.indexOf('car');
        assert.deepEqual(
          [...(await (await open({ root: bad, unknownColor: 'ignore' })).load(1)).label],
          idx.map((v) => (v === 40 ? IGNORE_INDEX : car)),
        );
        await assert.rejects(
          ds.load(2),
          (e: Error) =>
            e.message ===
            `label size 8x4 (${path.join(bad, 'labels', '00005.png')}) differs from image size 8x5 (${path.join(bad, 'images', '00005.png')}); ` +
              'not one of the GTA5 frames known to differ (left out by sizeMismatch: skip): set sizeMismatch: resize to resize such labels to their images',
        );
        fs.rmSync(l3);
        await assert.rejects(open({ root: bad }), (e: Error) => e.message === `label file missing: ${l3} (for image ${path.join(bad, 'images', '00003.png')})`);
      },
    );
  });

  test('opening lists without decoding: a corrupt file is named only when its sample is loaded', async () => {
    const big = tmpDir();
    try {
      fs.mkdirSync(path.join(big, 'images'));
      fs.mkdirSync(path.join(big, 'labels'));
      for (let f = 1; f <= 300; f++) {
        const name = `${String(f).padStart(5, '0')}.png`;
        fs.writeFileSync(path.join(big, 'images', name), 'not a png');
        fs.writeFileSync(path.join(big, 'labels', name), 'not a png');
      }
      const ds = await open({ root: big, sizeMismatch: 'resize' });
      assert.equal(ds.length, 300);
      await assert.rejects(ds.load(299), (e: Error) => e.name === 'DataError' && e.message.includes(path.join(big, 'images', '00300.png')));
      await assert.rejects(ds.load(0), (e: Error) => e.name === 'DataError' && e.message.includes('00001.png'));
    } finally {
      rmTmp(big);
    }
  });
});

test('MAT-file reader: compressed and plain Level 5 files, doubles stored as doubles or small integers, small elements', async () => {
  const dir = tmpDir();
  try {
    const vars = [
      { name: 'trainIds', values: [1, 2, 300, 24966], store: 'uint16' as const },
      { name: 'a', values: [7], store: 'uint8' as const },
      { name: 'valIds', values: [0.5, 1e6], store: 'double' as const },
    ];
    for (const compress of [true, false]) {
      const f = path.join(dir, `${compress}.mat`);
      writeMatFile(f, vars, { compress });
      const got = await readMatNumericArrays(f);
      assert.deepEqual(Object.fromEntries(got), { trainIds: [1, 2, 300, 24966], a: [7], valIds: [0.5, 1e6] });
    }
    const v73 = path.join(dir, 'v73.mat');
    fs.writeFileSync(v73, Buffer.concat([Buffer.from('MATLAB 7.3 MAT-file, Platform: GLNXA64'.padEnd(128, ' ')), Buffer.alloc(512)]));
    await assert.rejects(
      readMatNumericArrays(v73),
      (e: Error) => e.message === `MAT-file ${v73}: is a MATLAB 7.3 (HDF5) file; save it as a Level 5 MAT-file (MATLAB: save(..., "-v7"))`,
    );
    const text = path.join(dir, 'list.txt');
    fs.writeFileSync(text, '00001\n00002\n');
    await assert.rejects(readMatNumericArrays(text), (e: Error) => e.message === `MAT-file ${text}: 12 bytes, shorter than the 128-byte MAT-file header`);
  } finally {
    rmTmp(dir);
  }
});
