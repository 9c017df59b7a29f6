// augment.debias: cue-conflict class regions with the per-pixel texture-source map. Region statistics move between
// classes, labels and ignored pixels stay, seeded draws, same-image sources, and the map's alignment through
// BatchAugmentation (fraction, splitBatchNorm, consistency, the data-parallel share); the config section.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchAugmentation, buildAugmentation, drawTextureSources, MIN_SOURCE_PIXELS, ShapeTextureDebias } from '../../src/augment/index.js';
import { parseConfig } from '../../src/config/index.js';
import { AugmentConfigSchema } from '../../src/config/schema.js';
import { Rng } from '../../src/data/rng.js';
import { GlobalBatch } from '../../src/distributed/global-batch.js';
import * as T from '../../src/tensor/index.js';

const H = 8;
const W = 8;

/** N,H,W labels: image i is class a_i left of column cut_i and class b_i from it; row 0 of image 0 is ignored (255). */
function stripes(regions: [number, number, number][]): T.Tensor {
  const data: number[] = [];
  regions.forEach(([a, b, cut], i) => {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.push(i === 0 && y === 0 ? 255 : x < cut ? a : b);
  });
  return T.tensor(data, [regions.length, H, W], { dtype: 'int64' });
}

const values = (t: T.Tensor): number[] => Array.from(t.flatten().toArray() as ArrayLike<number | bigint>, Number);

/** Per-channel population mean and std of image n of x (N,3,H,W) over the pixels where mask (H·W) holds. */
function stats(x: T.Tensor, n: number, mask: boolean[]): { mean: number[]; std: number[] } {
  const img = values(x.select(0, n));
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < 3; c++) {
    const v = img.slice(c * H * W, (c + 1) * H * W).filter((_, i) => mask[i]);
    const m = v.reduce((s, a) => s + a, 0) / v.length;
    mean.push(m);
    std.push(Math.sqrt(v.reduce((s, a) => s + (a - m) ** 2, 0) / v.length));
  }
  return { mean, std };
}

const debias = (o: { gamma?: number; p?: number; source?: 'batch' | 'image'; numClasses?: number } = {}) =>
  new ShapeTextureDebias({ gamma: 0.8, p: 1, source: 'batch', numClasses: 4, ...o });

test('debias: each class region takes the mean and std of a region of another class; labels and ignored pixels stay', () => {
  T.manualSeed(1);
  const x = T.rand([2, 3, H, W]);
  const labels = stripes([
    [0, 1, 4],
    [2, 3, 3],
  ]);
  const before = values(labels);
  const method = debias();
  assert.equal(method.needsLabels, true);
  const { images, texture } = method.applyTextured(x, labels);
  assert.deepEqual(images.shape, x.shape);
  assert.deepEqual(values(labels), before, 'labels unchanged');
  assert.equal(texture.shapeWeight, 0.8);
  const lab = values(labels);
  const tex = values(texture.labels);
  // ignored pixels: label and value kept, texture class 255
  for (let i = 0; i < W; i++) assert.equal(tex[i], 255);
  const row0 = (t: T.Tensor) => values(t.select(0, 0).narrow(1, 0, 1));
  assert.deepEqual(row0(images), row0(x), 'ignored pixels keep their values');
  for (let n = 0; n < 2; n++) {
    for (const c of new Set(lab.slice(n * H * W, (n + 1) * H * W))) {
      if (c === 255) continue;
      const mask = lab.slice(n * H * W, (n + 1) * H * W).map((v) => v === c);
      const src = new Set(tex.slice(n * H * W, (n + 1) * H * W).filter((_, i) => mask[i]));
      assert.equal(src.size, 1, `one texture class per region (image ${n}, class ${c})`);
      const s = [...src][0]!;
      assert.notEqual(s, c, 'every region has another class to take from');
      // the source: the one region of class s in the batch (each class is in one image here)
      const m = Math.floor(lab.indexOf(s) / (H * W));
      const want = stats(
        x,
        m,
        lab.slice(m * H * W, (m + 1) * H * W).map((v) => v === s),
      );
      const got = stats(images, n, mask);
      for (let ch = 0; ch < 3; ch++) {
        assert.ok(Math.abs(got.mean[ch]! - want.mean[ch]!) < 1e-5, `mean of (${n}, ${c}) channel ${ch}: ${got.mean[ch]} vs ${want.mean[ch]}`);
        assert.ok(Math.abs(got.std[ch]! - want.std[ch]!) < 1e-4, `std of (${n}, ${c}) channel ${ch}: ${got.std[ch]} vs ${want.std[ch]}`);
      }
    }
  }
  for (const t of [x, labels, images, texture.labels]) t.dispose();
});

test('debias: seeded (same seed, same images and map; another seed, another draw); p = 0 changes nothing', () => {
  const x = T.rand([4, 3, H, W]);
  const labels = stripes([
    [0, 1, 4],
    [2, 3, 3],
    [1, 2, 5],
    [3, 0, 2],
  ]);
  const run = (seed: number) => {
    T.manualSeed(seed);
    const r = debias().applyTextured(x, labels);
    return { images: values(r.images), texture: values(r.texture.labels) };
  };
  const a = run(3);
  assert.deepEqual(run(3), a);
  const others = [4, 5, 6].map(run);
  assert.ok(
    others.some((o) => o.texture.join() !== a.texture.join()),
    'another seed draws other sources',
  );
  const off = debias({ p: 0 }).applyTextured(x, labels);
  assert.equal(off.images, x);
  assert.equal(off.texture.labels, labels, 'nothing restyled: the texture classes are the labels');
  for (const t of [x, labels]) t.dispose();
});

test("debias source 'image': textures come from the same image only; a one-class image keeps its own", () => {
  const x = T.rand([3, 3, H, W]);
  // image 2 is class 3 alone
  const labels = stripes([
    [0, 1, 4],
    [2, 0, 3],
    [3, 3, 0],
  ]);
  const lab = values(labels);
  const seen = new Set<string>();
  for (const seed of [1, 2, 3, 4]) {
    T.manualSeed(seed);
    const { images, texture } = debias({ source: 'image' }).applyTextured(x, labels);
    const tex = values(texture.labels);
    for (let n = 0; n < 3; n++) {
      const own = new Set(lab.slice(n * H * W, (n + 1) * H * W));
      for (const t of tex.slice(n * H * W, (n + 1) * H * W)) assert.ok(own.has(t), `image ${n} wears class ${t}, not one of its own`);
    }
    assert.deepEqual(tex.slice(2 * H * W), lab.slice(2 * H * W), 'a one-class image has no other class to take from');
    assert.deepEqual(values(images.select(0, 2)), values(x.select(0, 2)), 'and keeps its values bit for bit');
    seen.add(tex.slice(0, H * W).join());
  }
  // with the whole batch as the source, image 0's regions also wear classes 2 and 3
  const batch = new Set<number>();
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    T.manualSeed(seed);
    for (const t of values(debias().applyTextured(x, labels).texture.labels).slice(0, H * W)) batch.add(t);
  }
  assert.ok(batch.has(2) || batch.has(3), `image 0 wore only ${[...batch]}`);
  for (const t of [x, labels]) t.dispose();
});

test('drawTextureSources: only regions of another class with enough pixels are sources; images not drawn keep theirs', () => {
  const k = 3;
  // image 0: classes 0 (100 px) and 1 (5 px, too small to lend); image 1: class 2 (100 px)
  const counts = [100, 5, 0, 0, 0, 100];
  assert.ok(5 < MIN_SOURCE_PIXELS && 100 >= MIN_SOURCE_PIXELS);
  const rng = new Rng(1, 2);
  for (let i = 0; i < 20; i++) {
    const s = drawTextureSources(counts, k, [true, true], 'batch', rng);
    assert.ok(s[0] === 5, `class 0 of image 0 takes image 1's class 2 (the only other region large enough), got ${s[0]}`);
    assert.ok(s[1] === 0 || s[1] === 5, `class 1 takes class 0 or 2, got ${s[1]}`);
    assert.deepEqual([s[2], s[3], s[4]], [-1, -1, -1], 'empty regions take nothing');
    assert.equal(s[5], 0, "image 1's class 2 takes image 0's class 0");
  }
  assert.deepEqual(drawTextureSources(counts, k, [false, true], 'image', rng), [-1, -1, -1, -1, -1, -1]);
  assert.deepEqual(drawTextureSources(counts, k, [true, false], 'image', rng), [-1, 0, -1, -1, -1, -1]);
});

/** Four images with region layouts that differ per image, so a misaligned texture map would cross regions. */
function batchOf(n: number): { images: T.Tensor; labels: T.Tensor } {
  const regions = Array.from({ length: n }, (_, i) => [i % 4, (i + 1) % 4, 2 + (i % 5)] as [number, number, number]);
  return { images: T.randint(0, 256, [n, 3, H, W], { dtype: 'uint8' }), labels: stripes(regions) };
}

/** Image j's texture map is constant on each of its label regions and differs from the label there (all restyled); or equals its labels. */
function alignment(labels: T.Tensor, texture: T.Tensor, j: number): 'labels' | 'restyled' | 'misaligned' {
  const lab = values(labels.select(0, j));
  const tex = values(texture.select(0, j));
  if (lab.join() === tex.join()) return 'labels';
  const per = new Map<number, Set<number>>();
  lab.forEach((c, i) => {
    if (!per.has(c)) per.set(c, new Set());
    per.get(c)!.add(tex[i]!);
  });
  const ok = [...per].every(([c, s]) => (c === 255 ? s.size === 1 && s.has(255) : s.size === 1 && !s.has(c)));
  return ok ? 'restyled' : 'misaligned';
}

test('BatchAugmentation: the texture map follows fraction, the splitBatchNorm reordering and the consistency views', () => {
  T.manualSeed(7);
  const { images, labels } = batchOf(12);
  const aug = new BatchAugmentation({ methods: [debias()], consistencyWeight: null, fraction: 0.5, splitBatchNorm: true });
  const out = aug.prepare(images, labels);
  const k = out.clean!;
  assert.ok(k > 0 && k < 12, `${k} clean images`);
  assert.equal(out.texture!.shapeWeight, 0.8);
  for (let j = 0; j < 12; j++) assert.equal(alignment(out.labels, out.texture!.labels, j), j < k ? 'labels' : 'restyled', `image ${j}`);
  // consistency: the original view's texture classes are its labels
  const js = new BatchAugmentation({ methods: [debias({ gamma: 1 })], consistencyWeight: 1 });
  const both = js.prepare(images, labels);
  assert.deepEqual(both.texture!.labels.shape, [24, H, W]);
  for (let j = 0; j < 24; j++) assert.equal(alignment(both.labels, both.texture!.labels, j), j < 12 ? 'labels' : 'restyled', `view ${j}`);
  // without a cue-conflict method there is no texture target
  assert.equal(new BatchAugmentation({ methods: [], consistencyWeight: null }).prepare(images, labels).texture, undefined);
  assert.throws(() => new BatchAugmentation({ methods: [debias(), debias()], consistencyWeight: null }), /at most one cue-conflict method/);
  for (const t of [images, labels, out.input, out.labels, out.texture!.labels, both.input, both.labels, both.texture!.labels]) t.dispose();
});

test("data-parallel: each rank's texture map is its share of the one-process map", () => {
  const { images, labels } = batchOf(4);
  const aug = new BatchAugmentation({ methods: [debias()], consistencyWeight: null, fraction: 0.5 });
  T.manualSeed(9);
  const whole = aug.prepare(images, labels);
  // two ranks in one process: gather returns the global tensor the collective would build
  const rank = (r: number): GlobalBatch =>
    Object.create(GlobalBatch.prototype, {
      rank: { value: r },
      worldSize: { value: 2 },
      group: { value: null },
      gather: { value: (local: T.Tensor) => (local.dim() === 4 ? images.clone() : labels.to('uint8')) },
    }) as GlobalBatch;
  for (const r of [0, 1]) {
    T.manualSeed(9);
    const part = aug.prepare(images.narrow(0, 2 * r, 2), labels.narrow(0, 2 * r, 2), rank(r));
    assert.deepEqual(values(part.texture!.labels), values(whole.texture!.labels.narrow(0, 2 * r, 2)), `rank ${r}'s texture map`);
    assert.deepEqual(values(part.input), values(whole.input.narrow(0, 2 * r, 2)), `rank ${r}'s images`);
  }
  for (const t of [images, labels]) t.dispose();
});

test('augment.debias: defaults, errors naming the field, the refusal with consistency, built first with the class count', async () => {
  const data = { layout: 'kitti', root: '/nonexistent', labelSpace: 'vkitti-kitti' };
  assert.deepEqual(AugmentConfigSchema.parse({ debias: {} }).debias, { gamma: 0.8, p: 1, source: 'batch' });
  const bad = (augment: unknown, field: RegExp) => assert.throws(() => parseConfig({ data: { train: data }, augment }), field);
  bad({ debias: { gamma: 1.5 } }, /augment\.debias\.gamma/);
  bad({ debias: { source: 'dataset' } }, /augment\.debias\.source/);
  bad({ debias: { p: -1 } }, /augment\.debias\.p/);
  bad({ debias: { texture: true } }, /augment\.debias\.texture: unknown field/);
  bad({ debias: {}, consistency: {} }, /augment\.debias\.gamma: below 1 contradicts augment\.consistency/);
  assert.equal(parseConfig({ data: { train: data }, augment: { debias: { gamma: 1 }, consistency: {} } }).augment.debias?.gamma, 1);
  const cfg = AugmentConfigSchema.parse({ debias: {}, randConv: {}, fourier: {}, photometric: {} });
  const aug = await buildAugmentation(cfg, { device: 'cpu', numClasses: 8 });
  assert.deepEqual(
    aug.batch!.opts.methods.map((m) => m.name),
    ['debias', 'fourier', 'randConv', 'photometric'],
  );
  assert.equal(aug.batch!.needsLabels, true);
  aug.dispose();
  await assert.rejects(buildAugmentation(AugmentConfigSchema.parse({ debias: {} }), { device: 'cpu' }), /debias: needs the number of classes/);
});
