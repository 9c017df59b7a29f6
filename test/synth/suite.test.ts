// The texture-shift suite: determinism, identical label maps across styles, the cue-conflict permutation
// recorded and applied, flat texture-free parts, random styles drawn per frame, suite reuse.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { C, classIndex, SYNTH_CLASS_NAMES, SYNTH_CLASSES } from '../../src/synth/classes.js';
import { CUE_CONFLICT_FILE, type CueConflictFrame, generateDataset, TEXTURE_SOURCE_DIR } from '../../src/synth/generate.js';
import { renderScene } from '../../src/synth/render.js';
import { generateScene } from '../../src/synth/scene.js';
import { DEFAULT_STYLE, PART_KINDS, primTexture } from '../../src/synth/styles.js';
import { ensureSuite, generateSuite, readSuiteManifest, SUITE_FILE, SUITE_STYLES } from '../../src/synth/suite.js';
import { CLASS_TEXTURE_PART, cueConflictPermutation, STYLE_NAMES, styleForFrame } from '../../src/synth/suite-styles.js';
import { VARIATIONS } from '../../src/synth/variations.js';
import { decode, listFiles, tempDir } from './util.js';

const tiny = { frames: 2, height: 40, width: 120 } as const;

test('the suite is deterministic: the same options give byte-identical files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generateSuite({ out: path.join(dir, 'a'), ...tiny });
    await generateSuite({ out: path.join(dir, 'b'), ...tiny });
    const files = listFiles(path.join(dir, 'a'));
    assert.deepEqual(listFiles(path.join(dir, 'b')), files);
    for (const f of files) assert.ok(fs.readFileSync(path.join(dir, 'a', f)).equals(fs.readFileSync(path.join(dir, 'b', f))), f);
    const m = readSuiteManifest(path.join(dir, 'a'));
    assert.deepEqual(
      m.styles.map((s) => s.name),
      SUITE_STYLES.map((s) => s.name),
    );
    assert.equal(m.styles.filter((s) => s.role === 'shifted').length >= 4, true, 'at least four shifted (selection) styles');
    assert.deepEqual(
      m.styles.filter((s) => s.role === 'held-out').map((s) => s.name),
      ['heldout-1', 'heldout-2', 'heldout-3'],
    );
    assert.deepEqual(
      m.styles.filter((s) => s.role === 'unseen').map((s) => s.name),
      ['unseen-1', 'unseen-2', 'unseen-3'],
    );
    assert.equal(m.trainingStyle, 'default');
    assert.equal(m.cueConflict?.textureSourceDir, `cue-conflict/${TEXTURE_SOURCE_DIR}`);
  } finally {
    cleanup();
  }
});

test("the suite's training style is shapeseg demo's held-out split (kitti, world 0020, clone, seed 2) byte for byte", async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generateSuite({ out: path.join(dir, 'suite'), frames: 1, height: 32, width: 96 });
    // the arguments src/cli/demo.ts passes to synth for its validation set, at a tiny size
    await generateDataset({
      out: path.join(dir, 'demo-val'),
      layout: 'kitti',
      worlds: ['0020'],
      variations: ['clone'],
      frames: 1,
      height: 32,
      width: 96,
      seed: 2,
    });
    const files = listFiles(path.join(dir, 'demo-val'));
    assert.deepEqual(listFiles(path.join(dir, 'suite', 'default')), files);
    for (const f of files) assert.ok(fs.readFileSync(path.join(dir, 'suite', 'default', f)).equals(fs.readFileSync(path.join(dir, 'demo-val', f))), f);
  } finally {
    cleanup();
  }
});

test('every style has the same label maps and its own pixels', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const m = await generateSuite({ out: dir, ...tiny });
    for (const name of ['000000_10.png', '000001_10.png']) {
      const label = fs.readFileSync(path.join(dir, 'default', 'training', 'semantic', name));
      const rgb = (await decode(path.join(dir, 'default', 'training', 'image_2', name))).data;
      for (const s of m.styles.slice(1)) {
        assert.ok(fs.readFileSync(path.join(dir, s.dir, 'training', 'semantic', name)).equals(label), `${s.name} ${name} label`);
        const other = (await decode(path.join(dir, s.dir, 'training', 'image_2', name))).data;
        let diff = 0;
        for (let i = 0; i < rgb.length; i++) diff += Math.abs(rgb[i]! - other[i]!);
        // texture-free keeps the palette (mean colours), so it differs least
        assert.ok(diff / rgb.length > (s.role === 'texture-free' ? 1 : 15), `${s.name}: mean |RGB diff| ${diff / rgb.length}`);
      }
    }
  } finally {
    cleanup();
  }
});

test('cue-conflict: the recorded permutation is a derangement across evaluation classes and is what was rendered', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await generateDataset({ out: dir, layout: 'kitti', style: 'cue-conflict', worlds: ['0002'], frames: 2, height: 40, width: 120, seed: 9 });
    const rec = JSON.parse(fs.readFileSync(path.join(dir, CUE_CONFLICT_FILE), 'utf8')) as { frames: CueConflictFrame[] };
    assert.equal(rec.frames.length, 2);
    assert.notDeepEqual(rec.frames[0]!.textureOf, rec.frames[1]!.textureOf, 'a permutation per image');
    for (const fr of rec.frames) {
      const { style, permutation } = styleForFrame('cue-conflict', { seed: 9, world: fr.world, variation: fr.variation, frame: fr.frame });
      assert.ok(permutation);
      assert.deepEqual(Object.keys(fr.textureOf), [...SYNTH_CLASS_NAMES]);
      permutation.forEach((src, c) => {
        assert.equal(fr.textureOf[SYNTH_CLASS_NAMES[c]!], SYNTH_CLASS_NAMES[src]);
        assert.notEqual(SYNTH_CLASSES[src]!.cityscapesId, SYNTH_CLASSES[c]!.cityscapesId, `${SYNTH_CLASS_NAMES[c]} keeps its own texture`);
        // every part of class c wears class src's texture
        for (const part of PART_KINDS) assert.equal(primTexture(style, part, c, 0), DEFAULT_STYLE.parts[CLASS_TEXTURE_PART[src]!][0]);
      });
      // the texture-class map is the label map sent through the permutation (KITTI layout: Cityscapes ids)
      const frame = renderScene(generateScene(9, '0002', fr.frame), 120, 40, style, VARIATIONS.clone, 0);
      const name = `${String(fr.globalIndex).padStart(6, '0')}_10.png`;
      const tex = (await decode(path.join(dir, TEXTURE_SOURCE_DIR, 'training', 'semantic', name))).data;
      const shape = (await decode(path.join(dir, 'training', 'semantic', name))).data;
      for (let i = 0; i < frame.label.length; i++) {
        const l = frame.label[i]!;
        assert.equal(shape[i], SYNTH_CLASSES[l]!.cityscapesId);
        assert.equal(tex[i], SYNTH_CLASSES[classIndex(fr.textureOf[SYNTH_CLASS_NAMES[l]!]!)]!.cityscapesId);
      }
    }
    assert.notDeepEqual(cueConflictPermutation(1), cueConflictPermutation(2));
  } finally {
    cleanup();
  }
});

test('texture-free: every part is one grain-free flat colour', () => {
  const { style } = styleForFrame('texture-free', { seed: 0, world: '0001', variation: 'clone', frame: 0 });
  for (const part of PART_KINDS) for (const t of style.parts[part]) assert.deepEqual([t.kind, t.noise], ['flat', 0], part);
  const scene = generateScene(4, '0001', 0);
  const flat = renderScene(scene, 200, 60, style, VARIATIONS.clone, 0);
  const textured = renderScene(scene, 200, 60, DEFAULT_STYLE, VARIATIONS.clone, 0);
  assert.deepEqual(flat.label, textured.label);
  const skyColours = (rgb: Uint8Array): number => {
    const seen = new Set<number>();
    for (let i = 0; i < flat.label.length; i++) if (flat.label[i] === C.Sky) seen.add((rgb[3 * i]! << 16) | (rgb[3 * i + 1]! << 8) | rgb[3 * i + 2]!);
    return seen.size;
  };
  assert.equal(skyColours(flat.rgb), 1, 'the sky (one primitive) is one colour');
  assert.ok(skyColours(textured.rgb) > 10);
});

test('random style: drawn per frame from the seed, texture family and palette per part', async () => {
  const key = { seed: 3, world: '0001', variation: 'clone', frame: 0 };
  const a = styleForFrame('random', key).style;
  assert.deepEqual(styleForFrame('random', key).style, a, 'same seed, same style');
  assert.notDeepEqual(styleForFrame('random', { ...key, frame: 1 }).style, a, 'another frame, another style');
  assert.ok(new Set(PART_KINDS.map((p) => a.parts[p][0]!.kind)).size >= 3, 'several texture families');
  assert.ok(STYLE_NAMES.includes('random'));
  const { dir, cleanup } = tempDir();
  try {
    const opts = { layout: 'kitti', frames: 2, height: 40, width: 120, seed: 3 } as const;
    await generateDataset({ ...opts, out: path.join(dir, 'r1'), style: 'random' });
    await generateDataset({ ...opts, out: path.join(dir, 'r2'), style: 'random' });
    await generateDataset({ ...opts, out: path.join(dir, 'd'), style: 'default' });
    for (const f of listFiles(path.join(dir, 'r1'))) {
      assert.ok(fs.readFileSync(path.join(dir, 'r1', f)).equals(fs.readFileSync(path.join(dir, 'r2', f))), f);
      if (f.includes('semantic')) assert.ok(fs.readFileSync(path.join(dir, 'r1', f)).equals(fs.readFileSync(path.join(dir, 'd', f))), `${f} label`);
    }
  } finally {
    cleanup();
  }
});

test('ensureSuite reuses a matching suite and rebuilds one made with other options', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await ensureSuite({ out: dir, frames: 1, height: 32, width: 64 });
    const file = path.join(dir, SUITE_FILE);
    const t = fs.statSync(file).mtimeMs;
    fs.writeFileSync(path.join(dir, 'marker'), '');
    await ensureSuite({ out: dir, frames: 1, height: 32, width: 64 });
    assert.equal(fs.statSync(file).mtimeMs, t);
    assert.ok(fs.existsSync(path.join(dir, 'marker')));
    const m = await ensureSuite({ out: dir, frames: 2, height: 32, width: 64 });
    assert.equal(m.frames, 2);
    assert.ok(!fs.existsSync(path.join(dir, 'marker')), 'rebuilt from an empty folder');
    // a suite written before the held-out styles existed (its manifest without them) is rebuilt
    fs.writeFileSync(path.join(dir, 'marker'), '');
    fs.writeFileSync(file, JSON.stringify({ ...m, styles: m.styles.filter((s) => s.role !== 'held-out') }));
    const rebuilt = await ensureSuite({ out: dir, frames: 2, height: 32, width: 64 });
    assert.ok(!fs.existsSync(path.join(dir, 'marker')), 'rebuilt for the new styles');
    assert.ok(rebuilt.styles.some((s) => s.role === 'held-out') && fs.existsSync(path.join(dir, 'heldout-3')));
    fs.writeFileSync(file, '{"format":"other"}');
    assert.throws(() => readSuiteManifest(dir), /suite\.json: field format/);
  } finally {
    cleanup();
  }
});
