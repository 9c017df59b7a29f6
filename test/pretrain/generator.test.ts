// The formula-driven set: seeded and deterministic, categories that differ, colour and texture that say nothing
// about the category, the filling-rate filter, and option validation naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FractalSet } from '../../src/pretrain/fractal-set.js';
import { DEFAULT_IFS_SEARCH, generateCategory, generateInstance, ifsFillingRate } from '../../src/pretrain/ifs.js';
import { heldOutInstances, PretrainOptionsError, parsePretrainOptions } from '../../src/pretrain/options.js';
import { PLAIN_VIEW } from '../../src/pretrain/render.js';
import { Rng } from '../../src/synth/prng.js';

const SIZE = 32;
const set = (seed: number) => new FractalSet({ categories: 6, instances: 5, heldOutInstances: 1, size: SIZE, seed });

/** Intersection over union of two masks. */
function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return inter / union;
}

/** Mean RGB of an image's pixels where `mask` is `value`. */
function meanColour(image: Uint8Array, mask: Uint8Array, value: number): number[] {
  const plane = SIZE * SIZE;
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < plane; p++) {
    if (mask[p] !== value) continue;
    n++;
    for (let c = 0; c < 3; c++) sum[c]! += image[c * plane + p]!;
  }
  return sum.map((s) => s / n);
}

describe('the fractal set', () => {
  it('is deterministic: the same seed gives identical images, another seed other ones', () => {
    const a = set(7);
    const b = set(7);
    assert.deepEqual(a.trainBatch(new Rng(1), 8), b.trainBatch(new Rng(1), 8));
    assert.deepEqual(a.heldOut(6), b.heldOut(6));
    assert.notDeepEqual(set(8).heldOut(6).images, a.heldOut(6).images);
  });

  it("has categories with different shapes and instances that keep their category's", () => {
    const s = set(0);
    for (let c = 0; c < 6; c++) {
      for (let d = c + 1; d < 6; d++) assert.ok(iou(s.mask(c, 0), s.mask(d, 0)) < 0.9, `categories ${c} and ${d} draw nearly the same shape`);
      const m = s.mask(c, 0);
      assert.ok(m.some((v) => v === 1) && m.some((v) => v === 0), `category ${c}: the mask is empty or full`);
      // instances differ from the category's system yet stay in the family (perturbed, maybe flipped: compare unflipped)
      for (let i = 1; i < 5; i++) assert.notDeepEqual(s.mask(c, i), m, `instance ${i} of category ${c} equals instance 0`);
    }
  });

  it('paints colour and texture at random: one instance painted twice differs, the fractal stands out from its background', () => {
    const s = set(0);
    const mask = s.mask(2, 1);
    const rng = new Rng(3);
    const image = () => {
      const out = new Uint8Array(3 * SIZE * SIZE);
      s.paint(2, 1, rng, PLAIN_VIEW, out, 0);
      return out;
    };
    const reds: number[] = [];
    for (let k = 0; k < 12; k++) {
      const img = image();
      const fg = meanColour(img, mask, 1);
      const bg = meanColour(img, mask, 0);
      reds.push(fg[0]!);
      assert.ok(Math.hypot(fg[0]! - bg[0]!, fg[1]! - bg[1]!, fg[2]! - bg[2]!) > 30, `image ${k}: fractal and background look alike`);
    }
    assert.ok(Math.max(...reds) - Math.min(...reds) > 100, `the fractal's colour hardly varies: ${reds.map(Math.round).join(', ')}`);
    assert.notDeepEqual(image(), image());
  });

  it('keeps only systems whose filling rate lies in the accepted range, for categories and instances', () => {
    for (let c = 0; c < 8; c++) {
      const cat = generateCategory(0, c);
      const fill = ifsFillingRate(cat);
      assert.ok(fill >= DEFAULT_IFS_SEARCH.minFill && fill <= DEFAULT_IFS_SEARCH.maxFill, `category ${c}: filling rate ${fill}`);
      assert.ok(cat.maps.length >= 2 && cat.maps.length <= 4);
      for (const m of cat.maps) for (const v of m) assert.ok(v >= -1 && v <= 1);
      const inst = generateInstance(cat, 0, c, 3);
      const instFill = ifsFillingRate(inst.ifs);
      assert.ok(instFill >= DEFAULT_IFS_SEARCH.minFill && instFill <= DEFAULT_IFS_SEARCH.maxFill, `category ${c} instance 3: filling rate ${instFill}`);
    }
    const narrow = { ...DEFAULT_IFS_SEARCH, minFill: 0.45, maxFill: 0.55 };
    for (let c = 0; c < 3; c++) {
      const fill = ifsFillingRate(generateCategory(1, c, narrow));
      assert.ok(fill >= 0.45 && fill <= 0.55, `narrow filter, category ${c}: filling rate ${fill}`);
    }
  });
});

describe('pretraining options', () => {
  it('fill in the defaults and hold out a share of the instances', () => {
    const o = parsePretrainOptions({ out: 'x' });
    assert.equal(o.arch, 'resnet18');
    assert.equal(o.size, 64);
    assert.equal(heldOutInstances(o), 10);
    assert.equal(heldOutInstances({ instances: 2, heldOut: 0.5 }), 1);
  });

  it('are refused naming the field', () => {
    const bad = (raw: Parameters<typeof parsePretrainOptions>[0], field: string) =>
      assert.throws(
        () => parsePretrainOptions(raw),
        (e: unknown) => e instanceof PretrainOptionsError && e.field === field && e.message.startsWith(`${field}: `),
      );
    bad({ out: 'x', categories: 1 }, 'categories');
    bad({ out: 'x', size: 8 }, 'size');
    bad({ out: 'x', arch: 'vgg' as 'resnet18' }, 'arch');
    bad({ out: 'x', amp: 'fp16' as 'bf16' }, 'amp');
    bad({ out: 'x', steps: 10, warmupSteps: 10 }, 'warmupSteps');
    bad({ out: 'x', generator: { minFill: 0.5, maxFill: 0.4 } }, 'generator.maxFill');
    bad({ out: 'x', device: 'gpu' }, 'device');
  });
});
