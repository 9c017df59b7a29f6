// Cityscapes as published (test/data/benchmark-fixtures.ts, not src/synth): splits and cities as named on disk,
// every label id mapped through labels.py's train ids, the test split and malformed trees refused by name.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { cityscapesLut, IGNORE_INDEX } from '../../src/data/label-spaces.js';
import { openDataset } from '../../src/data/open.js';
import { DataConfigSchema } from '../../src/data/schema.js';
import { checkNativeSamples, fixtureTree, withTree, writePublishedCityscapes } from './benchmark-fixtures.js';
import { rmTmp, tmpDir } from './fixtures.js';
import { writeEncodedPng } from './png-writer.js';

const open = (cfg: Record<string, unknown>): Promise<Dataset> => openDataset(DataConfigSchema.parse({ layout: 'cityscapes', ...cfg }));

describe('Cityscapes as published', () => {
  const tree = fixtureTree(writePublishedCityscapes);

  test('a config names the layout and root only: split train, label space cityscapes19', () => {
    const cfg = DataConfigSchema.parse({ layout: 'cityscapes', root: tree.root });
    assert.deepEqual(cfg, { layout: 'cityscapes', root: tree.root, split: 'train', labelSpace: 'cityscapes19', unknownColor: 'error' });
    assert.throws(() => DataConfigSchema.parse({ layout: 'cityscapes', root: tree.root, split: 'train_extra' }), /split/);
  });

  test('train lists every city, loads every label id 0..33 mapped by its train id, in cityscapes19 and synthia16', async () => {
    const ds = await open({ root: tree.root });
    assert.equal(ds.layout, 'cityscapes');
    assert.deepEqual(
      ds.list().map((r) => r.id),
      ['aachen_000000_000019', 'aachen_000001_000019', 'bochum_000007_000019'],
    );
    assert.deepEqual(ds.fileList()[0]!.split('\t'), [
      path.join('leftImg8bit', 'train', 'aachen', 'aachen_000000_000019_leftImg8bit.png'),
      path.join('gtFine', 'train', 'aachen', 'aachen_000000_000019_gtFine_labelIds.png'),
    ]);
    const seen = await checkNativeSamples(ds, tree.exp, cityscapesLut('cityscapes19'));
    assert.equal(seen.size, 34, 'the fixture paints every label id');
    await checkNativeSamples(await open({ root: tree.root, labelSpace: 'synthia16' }), tree.exp, cityscapesLut('synthia16'));
  });

  test('split val and a cities filter pick the folders named on disk; an unknown city is named with the available ones', async () => {
    const val = await open({ root: tree.root, split: 'val' });
    assert.deepEqual(
      val.list().map((r) => r.id),
      ['frankfurt_000000_000019'],
    );
    await checkNativeSamples(val, tree.exp, cityscapesLut('cityscapes19'));
    const bochum = await open({ root: tree.root, cities: ['bochum'] });
    assert.deepEqual(
      bochum.list().map((r) => r.id),
      ['bochum_000007_000019'],
    );
    await assert.rejects(
      open({ root: tree.root, cities: ['zurich'] }),
      new RegExp(`^DataError: cities zurich not found under ${path.join(tree.root, 'leftImg8bit', 'train')}; available: aachen, bochum$`),
    );
  });

  test('the test split is refused: it has no public labels', async () => {
    await assert.rejects(open({ root: tree.root, split: 'test' }), (e: Error) => {
      assert.equal(e.name, 'DataError');
      assert.match(e.message, /^Cityscapes split test under .* has no public labels \(gtFine\/test\/ only marks the ego vehicle/);
      assert.match(e.message, /cannot be trained or evaluated on; use split: train or val$/);
      return true;
    });
  });

  test('a missing leftImg8bit split or gtFine label is named', async () => {
    const bare = tmpDir();
    try {
      await assert.rejects(open({ root: bare }), new RegExp(`Cityscapes leftImg8bit directory missing: ${path.join(bare, 'leftImg8bit', 'train')}`));
      await writePublishedCityscapes(bare);
      const label = path.join(bare, 'gtFine', 'train', 'bochum', 'bochum_000007_000019_gtFine_labelIds.png');
      fs.rmSync(label);
      await assert.rejects(
        open({ root: bare }),
        (e: Error) =>
          e.message === `label file missing: ${label} (for image ${path.join(bare, 'leftImg8bit', 'train', 'bochum', 'bochum_000007_000019_leftImg8bit.png')})`,
      );
    } finally {
      rmTmp(bare);
    }
  });

  test('when loaded: an id above 33, a size mismatch, a colour or 16-bit file in place of labelIds are refused naming the file', async () => {
    await withTree(writePublishedCityscapes, async (bad) => {
      const dir = path.join(bad, 'gtFine', 'train', 'aachen');
      const label = path.join(dir, 'aachen_000000_000019_gtFine_labelIds.png');
      const ids = Array.from({ length: 40 }, (_, i) => (i === 11 ? 34 : 7));
      writeEncodedPng(label, { width: 8, height: 5, colorType: 0, bitDepth: 8, samples: ids });
      const ds = await open({ root: bad });
      await assert.rejects(
        ds.load(0),
        (e: Error) =>
          e.name === 'DataError' &&
          e.message === `${label}: pixel (x=3, y=1) has value 34, not a Cityscapes label id (0..33) (set unknownColor: 'ignore' to map such pixels to 255)`,
      );
      const lenient = await open({ root: bad, unknownColor: 'ignore' });
      assert.deepEqual(
        [...(await lenient.load(0)).label],
        ids.map((v) => (v === 34 ? IGNORE_INDEX : 0)),
      );

      const second = path.join(dir, 'aachen_000001_000019_gtFine_labelIds.png');
      writeEncodedPng(second, { width: 8, height: 4, colorType: 0, bitDepth: 8, samples: new Array(32).fill(7) });
      await assert.rejects(
        ds.load(1),
        (e: Error) =>
          e.message ===
          `label size 8x4 (${second}) differs from image size 8x5 (${path.join(bad, 'leftImg8bit', 'train', 'aachen', 'aachen_000001_000019_leftImg8bit.png')})`,
      );

      const third = path.join(bad, 'gtFine', 'train', 'bochum', 'bochum_000007_000019_gtFine_labelIds.png');
      fs.copyFileSync(third.replace('_labelIds', '_color'), third);
      await assert.rejects(ds.load(2), (e: Error) => e.message.startsWith(`label file ${third}: pixel (x=0, y=0) has colour (`));
      fs.copyFileSync(third.replace('_labelIds', '_instanceIds'), third);
      await assert.rejects(ds.load(2), (e: Error) => e.message.startsWith(`label file ${third}: is a 16-bit image; expected an 8-bit PNG of label ids`));
    });
  });
});
