// The Cityscapes, GTA5 and SYNTHIA stand-ins: file names and encodings as the publishers' (checked on the PNG
// headers, not through our readers), and, read back through src/data's readers, the same images and label maps as
// the KITTI layout of the same scenes (whose Cityscapes-id labels the KITTI tests check on their own).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { openDataset } from '../../src/data/open.js';
import { DataConfigSchema } from '../../src/data/schema.js';
import { generateDataset } from '../../src/synth/generate.js';
import type { LayoutName } from '../../src/synth/layouts.js';
import { listFiles, tempDir } from './util.js';

const common = { frames: 3, worlds: ['0001', '0020'] as ('0001' | '0020')[], height: 40, width: 120, seed: 4 };

/** IHDR bit depth and colour type of a PNG file (PNG spec 11.2.2), and whether it has a PLTE chunk. */
function pngHeader(file: string): { bitDepth: number; colorType: number; palette: boolean } {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR', file);
  return { bitDepth: b[24]!, colorType: b[25]!, palette: b.includes(Buffer.from('PLTE', 'latin1')) };
}

async function write(dir: string, layout: LayoutName, extra: Record<string, unknown> = {}): Promise<string> {
  const out = path.join(dir, layout);
  await generateDataset({ ...common, out, layout, ...extra });
  return out;
}

async function samples(config: Record<string, unknown>) {
  const ds = await openDataset(DataConfigSchema.parse(config));
  return Promise.all(Array.from({ length: ds.length }, (_, i) => ds.load(i)));
}

test('stand-ins are named and encoded as Cityscapes, GTA5 and SYNTHIA publish them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cs = await write(dir, 'cityscapes', { split: 'val' });
    const files = listFiles(cs);
    assert.equal(files.length, 2 * 3 * 4);
    assert.ok(files.includes('leftImg8bit/val/world0020/world0020_000000_000002_leftImg8bit.png'), files.join('\n'));
    for (const kind of ['labelIds', 'instanceIds', 'color']) assert.ok(files.includes(`gtFine/val/world0001/world0001_000000_000000_gtFine_${kind}.png`), kind);
    const gt = path.join(cs, 'gtFine/val/world0001/world0001_000000_000000_gtFine_');
    assert.deepEqual(pngHeader(`${gt}labelIds.png`), { bitDepth: 8, colorType: 0, palette: false });
    assert.deepEqual(pngHeader(`${gt}instanceIds.png`), { bitDepth: 16, colorType: 0, palette: false });
    assert.deepEqual(pngHeader(`${gt}color.png`), { bitDepth: 8, colorType: 6, palette: false });

    const gta = await write(dir, 'gta5');
    assert.deepEqual(listFiles(gta), [1, 2, 3, 4, 5, 6].flatMap((n) => [`images/0000${n}.png`, `labels/0000${n}.png`]).sort());
    assert.deepEqual(pngHeader(path.join(gta, 'labels/00001.png')), { bitDepth: 8, colorType: 3, palette: true });

    const syn = await write(dir, 'synthia');
    assert.deepEqual(listFiles(syn), [0, 1, 2, 3, 4, 5].flatMap((n) => [`GT/LABELS/000000${n}.png`, `RGB/000000${n}.png`]).sort());
    assert.deepEqual(pngHeader(path.join(syn, 'GT/LABELS/0000000.png')), { bitDepth: 16, colorType: 2, palette: false });
  } finally {
    cleanup();
  }
});

test('read back through the readers, the stand-ins hold the KITTI layout’s images and label maps', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const kitti = await write(dir, 'kitti');
    const cs = await write(dir, 'cityscapes', { split: 'val' });
    const gta = await write(dir, 'gta5');
    const syn = await write(dir, 'synthia');
    const ref19 = await samples({ layout: 'kitti', root: kitti, labelSpace: 'cityscapes19' });
    const ref16 = await samples({ layout: 'kitti', root: kitti, labelSpace: 'synthia16' });
    const same = (got: Awaited<ReturnType<typeof samples>>, want: typeof got, what: string) => {
      assert.equal(got.length, want.length, what);
      got.forEach((s, i) => {
        assert.ok(Buffer.from(s.image).equals(Buffer.from(want[i]!.image)), `${what} image ${i}`);
        assert.ok(Buffer.from(s.label).equals(Buffer.from(want[i]!.label)), `${what} label ${i}`);
      });
    };
    same(await samples({ layout: 'cityscapes', root: cs, split: 'val' }), ref19, 'cityscapes');
    // GTA5's readers leave out frames 1 and 2 by default (the release's size-mismatched pairs): frames 3.. remain
    same(await samples({ layout: 'gta5', root: gta }), ref19.slice(2), 'gta5');
    same(await samples({ layout: 'synthia', root: syn }), ref16, 'synthia');
    assert.ok(
      ref16.some((s) => s.label.some((v) => v !== 255 && v > 0)),
      'the scenes have labelled classes',
    );
  } finally {
    cleanup();
  }
});

test('split is a Cityscapes option: another layout refuses it, naming the field', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(generateDataset({ ...common, out: path.join(dir, 'x'), layout: 'gta5', split: 'val' }), /"split": only the cityscapes layout/);
  } finally {
    cleanup();
  }
});
