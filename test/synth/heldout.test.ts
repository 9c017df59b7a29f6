// The held-out and unseen test styles: every label region of the training-style frame repainted per image in texture
// families of their own (none of the renderer's, none shared between the tiers), labels untouched, deterministic,
// each style and each image its own draw.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { generateDataset } from '../../src/synth/generate.js';
import { HELD_OUT_FAMILIES, HELD_OUT_TEXTURES, type RegionTextures, repaintRegions } from '../../src/synth/heldout-textures.js';
import { renderScene } from '../../src/synth/render.js';
import { generateScene } from '../../src/synth/scene.js';
import { DEFAULT_STYLE } from '../../src/synth/styles.js';
import { HELD_OUT_STYLES, styleForFrame, TEXTURE_FAMILIES, UNSEEN_STYLES } from '../../src/synth/suite-styles.js';
import { UNSEEN_FAMILIES, UNSEEN_TEXTURES } from '../../src/synth/unseen-textures.js';
import { VARIATIONS } from '../../src/synth/variations.js';
import { decode, listFiles, tempDir } from './util.js';

const opts = { layout: 'kitti' as const, frames: 2, height: 48, width: 144, seed: 2, worlds: ['0020' as const] };
const FRAMES = ['000000_10.png', '000001_10.png'];

/** Mean |difference| per byte of two images. */
function meanDiff(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / a.length;
}

test('held-out and unseen families are their own: none is a renderer texture family, none shared between the tiers', () => {
  assert.ok(HELD_OUT_FAMILIES.length >= 4 && UNSEEN_FAMILIES.length >= 4);
  for (const f of [...HELD_OUT_FAMILIES, ...UNSEEN_FAMILIES]) assert.ok(!(TEXTURE_FAMILIES as readonly string[]).includes(f), f);
  for (const f of UNSEEN_FAMILIES) assert.ok(!(HELD_OUT_FAMILIES as readonly string[]).includes(f), f);
});

const TIERS: ReadonlyArray<{ tier: string; textures: RegionTextures; styles: ReadonlyArray<{ name: string }> }> = [
  { tier: 'held-out', textures: HELD_OUT_TEXTURES, styles: HELD_OUT_STYLES },
  { tier: 'unseen', textures: UNSEEN_TEXTURES, styles: UNSEEN_STYLES },
];

for (const { tier, textures, styles } of TIERS) {
  test(`repaintRegions, ${tier}: one texture per label id (void too), drawn afresh per seed, every family in use`, () => {
    const frame = renderScene(generateScene(2, '0020', 0), 144, 48, DEFAULT_STYLE, VARIATIONS.clone, 0);
    const ids = new Set(frame.label);
    const a = repaintRegions(frame.label, 144, 48, 7, textures);
    assert.deepEqual(new Set(a.families.keys()), ids);
    assert.ok(
      repaintRegions(frame.label, 144, 48, 7, textures).rgb.every((v, i) => v === a.rgb[i]),
      'same seed, same pixels',
    );
    assert.ok(meanDiff(a.rgb, repaintRegions(frame.label, 144, 48, 8, textures).rgb) > 30, 'another seed, other textures');
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) for (const f of repaintRegions(new Uint8Array([0, 1, 2, 255]), 2, 2, seed, textures).families.values()) seen.add(f);
    assert.deepEqual([...seen].sort(), [...textures.families].sort());
    assert.throws(() => repaintRegions(frame.label, 10, 10, 0, textures), /6912 labels for a 10x10 frame/);
  });

  test(`${tier} styles: deterministic, the training style labels, every region repainted, each style and image its own`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      await generateDataset({ ...opts, out: path.join(dir, 'default'), style: 'default' });
      for (const s of styles) await generateDataset({ ...opts, out: path.join(dir, s.name), style: s.name });
      await generateDataset({ ...opts, out: path.join(dir, 'again'), style: styles[0]!.name });
      const files = listFiles(path.join(dir, styles[0]!.name));
      assert.deepEqual(listFiles(path.join(dir, 'again')), files);
      for (const f of files)
        assert.ok(fs.readFileSync(path.join(dir, styles[0]!.name, f)).equals(fs.readFileSync(path.join(dir, 'again', f))), `${f} byte-identical`);
      const image = (style: string, name: string) => decode(path.join(dir, style, 'training', 'image_2', name));
      for (const name of FRAMES) {
        const label = fs.readFileSync(path.join(dir, 'default', 'training', 'semantic', name));
        const labels = (await decode(path.join(dir, 'default', 'training', 'semantic', name))).data;
        const base = (await image('default', name)).data;
        const rgbs: Uint8Array[] = [];
        for (const s of styles) {
          assert.ok(fs.readFileSync(path.join(dir, s.name, 'training', 'semantic', name)).equals(label), `${s.name} ${name}: labels unchanged`);
          const rgb = (await image(s.name, name)).data;
          rgbs.push(rgb);
          // region by region: no region of 30+ pixels keeps the training style's pixels
          const regions = new Map<number, { n: number; diff: number }>();
          for (let i = 0; i < labels.length; i++) {
            const r = regions.get(labels[i]!) ?? { n: 0, diff: 0 };
            r.n++;
            for (let k = 0; k < 3; k++) r.diff += Math.abs(rgb[3 * i + k]! - base[3 * i + k]!);
            regions.set(labels[i]!, r);
          }
          for (const [id, r] of regions) if (r.n >= 30) assert.ok(r.diff / (3 * r.n) > 8, `${s.name} ${name}: label ${id} region still looks trained-style`);
          assert.ok(meanDiff(rgb, base) > 30, `${s.name} ${name}: mean |RGB diff| ${meanDiff(rgb, base)}`);
        }
        for (let a = 0; a < rgbs.length; a++)
          for (let b = a + 1; b < rgbs.length; b++) assert.ok(meanDiff(rgbs[a]!, rgbs[b]!) > 30, `${styles[a]!.name} vs ${styles[b]!.name} on ${name}`);
      }
      assert.ok(meanDiff((await image(styles[0]!.name, FRAMES[0]!)).data, (await image(styles[0]!.name, FRAMES[1]!)).data) > 30, 'fresh textures per image');
      const key = { seed: 2, world: '0020', variation: 'clone', frame: 0 };
      assert.notEqual(styleForFrame(styles[0]!.name, key).repaint?.seed, styleForFrame(styles[0]!.name, { ...key, frame: 1 }).repaint?.seed);
    } finally {
      cleanup();
    }
  });
}
