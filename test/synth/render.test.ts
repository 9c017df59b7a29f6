import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C, NUM_SYNTH_CLASSES, SYNTH_CLASS_NAMES } from '../../src/synth/classes.js';
import { renderScene } from '../../src/synth/render.js';
import { generateScene, WORLD_IDS } from '../../src/synth/scene.js';
import { DEFAULT_STYLE, SHIFTED_STYLE } from '../../src/synth/styles.js';
import { VARIATIONS } from '../../src/synth/variations.js';

const clone = VARIATIONS.clone;

test('same seed renders byte-identical frames; another seed differs', () => {
  const a = renderScene(generateScene(7, '0001', 3), 310, 96, DEFAULT_STYLE, clone, 1);
  const b = renderScene(generateScene(7, '0001', 3), 310, 96, DEFAULT_STYLE, clone, 1);
  assert.deepEqual(a.rgb, b.rgb);
  assert.deepEqual(a.label, b.label);
  assert.deepEqual(a.inst, b.inst);
  const c = renderScene(generateScene(8, '0001', 3), 310, 96, DEFAULT_STYLE, clone, 1);
  assert.notDeepEqual(a.label, c.label);
});

test('shifted style keeps labels and changes RGB', () => {
  for (const world of ['0001', '0018'] as const) {
    const scene = generateScene(3, world, 0);
    const a = renderScene(scene, 310, 94, DEFAULT_STYLE, clone, 1);
    const b = renderScene(scene, 310, 94, SHIFTED_STYLE, clone, 1);
    assert.deepEqual(a.label, b.label, world);
    assert.deepEqual(a.inst, b.inst, world);
    let diff = 0;
    for (let i = 0; i < a.rgb.length; i++) diff += Math.abs(a.rgb[i]! - b.rgb[i]!);
    assert.ok(diff / a.rgb.length > 20, `${world}: mean |RGB diff| ${diff / a.rgb.length} too small`);
  }
});

test('lighting variations keep labels; camera variations turn the view', () => {
  const scene = generateScene(5, '0002', 1);
  const base = renderScene(scene, 310, 94, DEFAULT_STYLE, clone, 1);
  for (const v of ['morning', 'sunset', 'overcast', 'fog', 'rain'] as const) {
    const r = renderScene(scene, 310, 94, DEFAULT_STYLE, VARIATIONS[v], 1);
    assert.deepEqual(r.label, base.label, v);
    assert.notDeepEqual(r.rgb, base.rgb, v);
  }
  const left = renderScene(scene, 310, 94, DEFAULT_STYLE, VARIATIONS['15-deg-left'], 1);
  assert.notDeepEqual(left.label, base.label);
});

test('every class appears across a small set of frames; labels are in range', () => {
  const count = new Array<number>(NUM_SYNTH_CLASSES).fill(0);
  const framesWith = new Array<number>(NUM_SYNTH_CLASSES).fill(0);
  let frames = 0;
  for (const world of WORLD_IDS) {
    for (let f = 0; f < 4; f++) {
      const r = renderScene(generateScene(11, world, f), 310, 94, DEFAULT_STYLE, clone, 1);
      const seen = new Set<number>();
      for (const l of r.label) {
        assert.ok(l < NUM_SYNTH_CLASSES, `label ${l} out of range`);
        count[l]!++;
        seen.add(l);
      }
      for (const l of seen) framesWith[l]!++;
      frames++;
    }
  }
  for (let c = 0; c < NUM_SYNTH_CLASSES; c++) assert.ok(count[c]! > 0, `class ${SYNTH_CLASS_NAMES[c]} never appears`);
  // fine classes must be common, not occasional
  for (const c of [C.Pole, C.TrafficSign, C.TrafficLight, C.Road, C.Sky, C.Car]) {
    assert.ok(framesWith[c]! >= frames * 0.7, `${SYNTH_CLASS_NAMES[c]} only in ${framesWith[c]}/${frames} frames`);
  }
});

test('instance ids are only on Car/Van pixels and index the scene instances', () => {
  const scene = generateScene(2, '0006', 0);
  const r = renderScene(scene, 310, 94, DEFAULT_STYLE, clone, 1);
  for (let i = 0; i < r.inst.length; i++) {
    const id = r.inst[i]!;
    if (id < 0) continue;
    assert.ok(id < scene.instances.length);
    assert.equal(r.label[i], scene.instances[id]);
  }
});

test('full-size 375x1242 frames render an RGB image and a label map of that size (speed: bench/pipeline.ts)', () => {
  const scenes = [0, 1, 2, 3].map((f) => generateScene(1, '0001', f));
  for (const s of scenes) {
    const r = renderScene(s, 1242, 375, DEFAULT_STYLE, clone, 1);
    assert.equal(r.label.length, 1242 * 375);
    assert.equal(r.rgb.length, 1242 * 375 * 3);
  }
});

test('poles are 2-6 px wide at demo resolution (188x621)', () => {
  const runs: number[] = [];
  for (let f = 0; f < 6; f++) {
    const r = renderScene(generateScene(9, '0001', f), 621, 188, DEFAULT_STYLE, clone, 1);
    for (let y = 0; y < r.height; y++) {
      let run = 0;
      for (let x = 0; x <= r.width; x++) {
        if (x < r.width && r.label[y * r.width + x] === C.Pole) run++;
        else if (run > 0) {
          runs.push(run);
          run = 0;
        }
      }
    }
  }
  assert.ok(runs.length > 100, `only ${runs.length} pole runs`);
  runs.sort((a, b) => a - b);
  const q = (p: number): number => runs[Math.floor(p * (runs.length - 1))]!;
  // occlusion can clip a run and horizontal arms make long ones, so check the bulk of the distribution
  assert.ok(q(0.1) >= 2, `10th percentile pole width ${q(0.1)} px`);
  assert.ok(q(0.5) <= 6, `median pole width ${q(0.5)} px`);
});
