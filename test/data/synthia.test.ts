// SYNTHIA-RAND-CITYSCAPES as published (test/data/benchmark-fixtures.ts, not src/synth): 16-bit GT/LABELS read at
// 16 bits (class id in the first channel), every class id mapped, the 8-bit decode trap, refusals by name.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import type { Dataset } from '../../src/data/dataset.js';
import { readLabel16 } from '../../src/data/image-io.js';
import { IGNORE_INDEX, synthiaLut } from '../../src/data/label-spaces.js';
import { openDataset } from '../../src/data/open.js';
import { DataConfigSchema } from '../../src/data/schema.js';
import { checkNativeSamples, fixtureTree, withTree, writePublishedSynthia } from './benchmark-fixtures.js';
import { writeEncodedPng } from './png-writer.js';

const open = (cfg: Record<string, unknown>): Promise<Dataset> => openDataset(DataConfigSchema.parse({ layout: 'synthia', ...cfg }));

describe('SYNTHIA-RAND-CITYSCAPES as published', () => {
  const tree = fixtureTree(writePublishedSynthia);

  test('a config names the layout and root only: label space synthia16', () => {
    const cfg = DataConfigSchema.parse({ layout: 'synthia', root: tree.root });
    assert.equal(cfg.labelSpace, 'synthia16');
    assert.equal(cfg.unknownColor, 'error');
    assert.equal(Object.keys(cfg).length, 4, 'layout, root, labelSpace, unknownColor');
  });

  test('loads every class id 0..22 from the first channel, mapped into synthia16 and cityscapes19', async () => {
    for (const space of ['synthia16', 'cityscapes19']) {
      const ds = await open({ root: tree.root, labelSpace: space });
      assert.equal(ds.layout, 'synthia');
      assert.deepEqual(
        ds.list().map((r) => r.id),
        ['0000000', '0000001'],
      );
      const seen = await checkNativeSamples(ds, tree.exp, synthiaLut(space));
      assert.equal(seen.size, 23, 'the fixture paints every SYNTHIA class id');
    }
    assert.deepEqual(
      (await open({ root: tree.root, frames: { start: 1 } })).list().map((r) => r.id),
      ['0000001'],
    );
  });

  test('the 8-bit trap: an 8-bit decode of a label turns every class id into 0 and shifts the instance ids; the reader keeps 16 bits', async () => {
    const file = path.join(tree.root, 'GT', 'LABELS', '0000000.png');
    const e = tree.exp.get('0000000')!;
    const meta = await sharp(file).metadata();
    assert.deepEqual([meta.depth, meta.channels], ['ushort', 3]);
    // what a plain decode gives (sharp's default output, like any 8-bit image reader): v >> 8
    const eight = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    assert.equal(eight.data.length, e.width * e.height * 3, 'one byte per sample');
    const classes8 = [...eight.data].filter((_, j) => j % 3 === 0);
    assert.ok(
      classes8.every((v) => v === 0),
      'every class id (< 256) reads as 0 (void) at 8 bits',
    );
    assert.ok(
      e.ids.some((id) => id > 0),
      'while the file holds other ids',
    );
    const inst8 = [...eight.data].filter((_, j) => j % 3 === 1);
    const raw = await readLabel16(file, 'label', 'x');
    const inst16 = [...raw.data].filter((_, j) => j % 3 === 1);
    assert.ok(inst16.some((v) => v >= 256));
    assert.deepEqual(
      inst8,
      inst16.map((v) => v >> 8),
    );
    // the 16-bit decode holds the ids as stored
    assert.deepEqual(
      [...raw.data].filter((_, j) => j % 3 === 0),
      e.ids,
    );
    // so mapping the 8-bit first channel would have labelled the whole image void (ignored)
    const lut = synthiaLut('synthia16');
    assert.ok(classes8.every((v) => lut[v] === IGNORE_INDEX));
    const s = await (await open({ root: tree.root })).load(0);
    assert.ok(
      [...s.label].some((v) => v !== IGNORE_INDEX),
      'the reader does not',
    );
  });

  test('an 8-bit file in GT/LABELS (a COLOR rendering, or a label saved at 8 bits) is refused naming the file', async () => {
    await withTree(writePublishedSynthia, async (bad) => {
      const label = path.join(bad, 'GT', 'LABELS', '0000001.png');
      fs.copyFileSync(path.join(bad, 'GT', 'COLOR', '0000001.png'), label);
      const ds = await open({ root: bad });
      await assert.rejects(
        ds.load(1),
        (e: Error) =>
          e.name === 'DataError' &&
          e.message ===
            `label file ${label}: is a 8-bit image with 3 channel(s); SYNTHIA GT/LABELS files are 16-bit RGB PNGs (class id in the first channel, ` +
              'instance id in the second); GT/COLOR holds the 8-bit colour renderings',
      );
      writeEncodedPng(label, { width: 6, height: 4, colorType: 0, bitDepth: 16, samples: new Array(24).fill(3) });
      await assert.rejects(ds.load(1), (e: Error) =>
        e.message.startsWith(`label file ${label}: is a 16-bit image with 1 channel(s); SYNTHIA GT/LABELS files are 16-bit RGB`),
      );
    });
  });

  test('refusals name the file: an unknown class id (pixel and value), a size mismatch, a missing label', async () => {
    await withTree(writePublishedSynthia, async (bad) => {
      const label = path.join(bad, 'GT', 'LABELS', '0000000.png');
      // class ids 23 and 300 are no SYNTHIA ids; the instance channel's 0..23 would be valid ids if it were read instead
      const samples = Array.from({ length: 24 }, (_, i) => [i === 7 ? 23 : i === 8 ? 300 : 3, i, 0]).flat();
      writeEncodedPng(label, { width: 6, height: 4, colorType: 2, bitDepth: 16, samples });
      const ds = await open({ root: bad });
      await assert.rejects(
        ds.load(0),
        (e: Error) =>
          e.message ===
          `${label}: pixel (x=1, y=1) has class id 23 (first channel), not a SYNTHIA class id (0..22) (set unknownColor: 'ignore' to map such pixels to 255)`,
      );
      const lenient = await open({ root: bad, unknownColor: 'ignore' });
      assert.deepEqual(
        [...(await lenient.load(0)).label],
        Array.from({ length: 24 }, (_, i) => (i === 7 || i === 8 ? IGNORE_INDEX : 0)),
      );
      const second = path.join(bad, 'GT', 'LABELS', '0000001.png');
      writeEncodedPng(second, { width: 6, height: 3, colorType: 2, bitDepth: 16, samples: new Array(54).fill(3) });
      await assert.rejects(
        ds.load(1),
        (e: Error) => e.message === `label size 6x3 (${second}) differs from image size 6x4 (${path.join(bad, 'RGB', '0000001.png')})`,
      );
      fs.rmSync(second);
      await assert.rejects(
        open({ root: bad }),
        (e: Error) => e.message === `label file missing: ${second} (for image ${path.join(bad, 'RGB', '0000001.png')})`,
      );
      await assert.rejects(open({ root: path.join(bad, 'GT') }), new RegExp(`SYNTHIA RGB directory missing: ${path.join(bad, 'GT', 'RGB')}`));
      await assert.rejects(
        open({ root: bad, labelSpace: 'vkitti-kitti' }),
        /"vkitti-kitti" has no mapping from synthia labels; usable label spaces for synthia: cityscapes19, synthia16/,
      );
    });
  });
});
