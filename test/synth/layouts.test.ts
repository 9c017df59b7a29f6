import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseColorTable } from '../../src/data/color-table.js';
import { SYNTH_CLASSES } from '../../src/synth/classes.js';
import { generateDataset } from '../../src/synth/generate.js';
import { VKITTI1_COLORS, VKITTI1_HEADER, VKITTI2_COLORS, VKITTI2_HEADER } from '../data/publisher-fixtures.js';
import { decode, listFiles, tempDir } from './util.js';

/** Reads a colour table with the dataset reader: entry as written (`Car:3`) -> packed colour. */
function parseColorFile(file: string): Map<string, number> {
  const entries = parseColorTable(fs.readFileSync(file, 'utf8'), file);
  return new Map(entries.map((e) => [e.raw, (e.rgb[0] << 16) | (e.rgb[1] << 8) | e.rgb[2]]));
}

const H = 48;
const W = 156;
const small = {
  frames: 2,
  worlds: ['0001', '0018'] as Array<'0001' | '0018'>,
  variations: ['clone', 'fog'] as Array<'clone' | 'fog'>,
  height: H,
  width: W,
  seed: 4,
};

function expectedVkitti1(): string[] {
  const out: string[] = [];
  for (const w of small.worlds) {
    for (const v of small.variations) {
      out.push(`vkitti_1.3.1_scenegt/${w}_${v}_scenegt_rgb_encoding.txt`);
      for (const f of ['00000', '00001']) {
        out.push(`vkitti_1.3.1_rgb/${w}/${v}/${f}.png`, `vkitti_1.3.1_scenegt/${w}/${v}/${f}.png`);
      }
    }
  }
  return out.sort();
}

test('vkitti1 layout: exact paths, encoding files, label colours and sizes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const res = await generateDataset({ out: dir, layout: 'vkitti1', ...small });
    const files = listFiles(dir);
    assert.deepEqual(files, expectedVkitti1());
    assert.equal(res.files, files.length);
    for (const w of small.worlds) {
      for (const v of small.variations) {
        const encFile = path.join(dir, 'vkitti_1.3.1_scenegt', `${w}_${v}_scenegt_rgb_encoding.txt`);
        // byte for byte as published: the header, then the categories without instances in the published order
        const published = `${[VKITTI1_HEADER, ...VKITTI1_COLORS.map(([n, c]) => `${n} ${c.join(' ')}`)].join('\n')}\n`;
        assert.ok(fs.readFileSync(encFile, 'utf8').startsWith(published), `${encFile} does not start as published`);
        const enc = parseColorFile(encFile);
        for (const c of SYNTH_CLASSES) {
          if (c.instanced) continue;
          assert.equal(enc.get(c.name), (c.vkitti1[0] << 16) | (c.vkitti1[1] << 8) | c.vkitti1[2], c.name);
        }
        const instKeys = [...enc.keys()].filter((k) => k.includes(':'));
        assert.ok(instKeys.length > 0, 'no Car:/Van: instances');
        for (const k of instKeys) assert.match(k, /^(Car|Van):\d+$/);
        assert.equal(new Set(enc.values()).size, enc.size, 'encoding colours are not distinct');
        const allowed = new Set(enc.values());
        for (const f of ['00000', '00001']) {
          const gt = await decode(path.join(dir, 'vkitti_1.3.1_scenegt', w, v, `${f}.png`));
          const rgb = await decode(path.join(dir, 'vkitti_1.3.1_rgb', w, v, `${f}.png`));
          assert.deepEqual([gt.width, gt.height, gt.channels], [W, H, 3]);
          assert.deepEqual([rgb.width, rgb.height, rgb.channels], [W, H, 3]);
          for (let i = 0; i < gt.data.length; i += 3) {
            const col = (gt.data[i]! << 16) | (gt.data[i + 1]! << 8) | gt.data[i + 2]!;
            assert.ok(allowed.has(col), `${w}/${v}/${f}: label colour ${gt.data[i]},${gt.data[i + 1]},${gt.data[i + 2]} not in encoding`);
          }
        }
      }
    }
    // variations of a world share geometry: same class map (instance colours differ per sequence)
    const classOf = (enc: Map<string, number>): Map<number, string> => new Map([...enc].map(([k, c]) => [c, k.split(':')[0]!]));
    const encA = classOf(parseColorFile(path.join(dir, 'vkitti_1.3.1_scenegt', '0001_clone_scenegt_rgb_encoding.txt')));
    const encB = classOf(parseColorFile(path.join(dir, 'vkitti_1.3.1_scenegt', '0001_fog_scenegt_rgb_encoding.txt')));
    const a = await decode(path.join(dir, 'vkitti_1.3.1_scenegt', '0001', 'clone', '00001.png'));
    const b = await decode(path.join(dir, 'vkitti_1.3.1_scenegt', '0001', 'fog', '00001.png'));
    for (let i = 0; i < a.data.length; i += 3) {
      const ca = encA.get((a.data[i]! << 16) | (a.data[i + 1]! << 8) | a.data[i + 2]!);
      const cb = encB.get((b.data[i]! << 16) | (b.data[i + 1]! << 8) | b.data[i + 2]!);
      assert.equal(ca, cb);
    }
  } finally {
    cleanup();
  }
});

const VKITTI2_TEXT = `${[VKITTI2_HEADER, ...VKITTI2_COLORS.map(([n, c]) => `${n} ${c.join(' ')}`)].join('\n')}\n`;

test('vkitti2 layout: exact paths, colors.txt per variation as published, label colours', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generateDataset({ out: dir, layout: 'vkitti2', ...small });
    const expected: string[] = [];
    for (const s of ['Scene01', 'Scene18']) {
      for (const v of small.variations) {
        expected.push(`${s}/${v}/colors.txt`);
        for (const f of ['00000', '00001']) {
          expected.push(`${s}/${v}/frames/rgb/Camera_0/rgb_${f}.jpg`, `${s}/${v}/frames/classSegmentation/Camera_0/classgt_${f}.png`);
        }
      }
    }
    assert.deepEqual(listFiles(dir), expected.sort());
    for (const s of ['Scene01', 'Scene18']) {
      for (const v of small.variations) assert.equal(fs.readFileSync(path.join(dir, s, v, 'colors.txt'), 'utf8'), VKITTI2_TEXT);
    }
    const allowed = new Set(parseColorFile(path.join(dir, 'Scene18', 'fog', 'colors.txt')).values());
    const gt = await decode(path.join(dir, 'Scene18', 'fog', 'frames', 'classSegmentation', 'Camera_0', 'classgt_00001.png'));
    const rgb = await decode(path.join(dir, 'Scene18', 'fog', 'frames', 'rgb', 'Camera_0', 'rgb_00001.jpg'));
    assert.deepEqual([gt.width, gt.height], [rgb.width, rgb.height]);
    assert.deepEqual([gt.width, gt.height], [W, H]);
    for (let i = 0; i < gt.data.length; i += 3) {
      assert.ok(allowed.has((gt.data[i]! << 16) | (gt.data[i + 1]! << 8) | gt.data[i + 2]!), 'label colour not in colors.txt');
    }
  } finally {
    cleanup();
  }
});

test('kitti layout: numbered training pairs of Cityscapes ids and an empty testing/image_2', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generateDataset({ out: dir, layout: 'kitti', ...small });
    const n = small.worlds.length * small.variations.length * small.frames;
    const expected: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${String(i).padStart(6, '0')}_10.png`;
      expected.push(`training/image_2/${name}`, `training/semantic/${name}`);
    }
    assert.deepEqual(listFiles(dir), expected.sort());
    assert.deepEqual(fs.readdirSync(path.join(dir, 'testing', 'image_2')), []);
    const ids = new Set(SYNTH_CLASSES.map((c) => c.cityscapesId));
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const name = `${String(i).padStart(6, '0')}_10.png`;
      const sem = await decode(path.join(dir, 'training', 'semantic', name));
      const img = await decode(path.join(dir, 'training', 'image_2', name));
      assert.equal(sem.channels, 1, 'semantic must be single-channel');
      assert.deepEqual([sem.width, sem.height, img.width, img.height], [W, H, W, H]);
      for (const v of sem.data) {
        assert.ok(ids.has(v), `unexpected label id ${v}`);
        seen.add(v);
      }
    }
    for (const id of [7, 23, 26]) assert.ok(seen.has(id), `label id ${id} never written`);
  } finally {
    cleanup();
  }
});

test('same options give byte-identical datasets (PNG and JPEG)', async () => {
  const a = tempDir();
  const b = tempDir();
  try {
    for (const layout of ['vkitti1', 'vkitti2'] as const) {
      const opts = { layout, frames: 2, worlds: ['0006' as const], variations: ['clone' as const, 'rain' as const], height: 40, width: 130, seed: 99 };
      await generateDataset({ out: path.join(a.dir, layout), ...opts });
      await generateDataset({ out: path.join(b.dir, layout), ...opts, concurrency: 1 });
    }
    const files = listFiles(a.dir);
    assert.deepEqual(listFiles(b.dir), files);
    for (const f of files) assert.ok(fs.readFileSync(path.join(a.dir, f)).equals(fs.readFileSync(path.join(b.dir, f))), `${f} differs`);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});
