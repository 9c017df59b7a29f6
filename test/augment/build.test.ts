// The `augment` config section (defaults off, errors naming the field), buildAugmentation's plan, and the
// Jensen–Shannon consistency term.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildAugmentation, DSU, featureModules, jsDivergence, MixStyle } from '../../src/augment/index.js';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { AugmentConfigSchema } from '../../src/config/schema.js';
import * as T from '../../src/tensor/index.js';
import { CONFIGS } from '../e2e/cli.js';

const data = { layout: 'kitti', root: '/nonexistent', labelSpace: 'vkitti-kitti' };

test("the augment section is off by default and fills each method's defaults", () => {
  assert.deepEqual(parseConfig({ data: { train: data } }).augment, { fraction: 1, splitBatchNorm: false, auxBatchNorm: false });
  const a = AugmentConfigSchema.parse({ randConv: {}, fourier: { beta: 0.05 }, mixStyle: {}, consistency: {}, photometric: {} });
  assert.deepEqual(a.randConv, { kernelSizes: [1, 3, 5, 7], mix: [0, 1], p: 0.5, perImage: false, perClass: false });
  assert.deepEqual(a.photometric, { grayscale: 0, blur: 0, blurSigma: [0.1, 2], noise: 0, noiseStd: [0, 0.05], invert: 0, channelShuffle: 0 });
  assert.deepEqual(a.fourier, { beta: 0.05, mix: [1, 1], p: 0.5 });
  assert.deepEqual(a.mixStyle, { layers: ['layer1', 'layer2'], alpha: 0.1, p: 0.5, eps: 1e-6 });
  assert.deepEqual(a.consistency, { weight: 1 });
});

test('the example config configs/demo-augment.yaml is valid and switches methods on', async () => {
  const cfg = await loadConfig(path.join(CONFIGS, 'demo-augment.yaml'));
  assert.ok(cfg.augment.randConv && cfg.augment.fourier && cfg.augment.mixStyle && cfg.augment.consistency);
});

test('bad augment settings are refused naming the field', () => {
  const bad = (augment: unknown, field: RegExp) => assert.throws(() => parseConfig({ data: { train: data }, augment }), field);
  bad({ randConv: { kernelSizes: [3, 4] } }, /augment\.randConv\.kernelSizes\[1\]/);
  bad({ fourier: { beta: 0.9 } }, /augment\.fourier\.beta/);
  bad({ mixStyle: { layers: ['layer4'] } }, /augment\.mixStyle\.layers\[0\]/);
  bad({ adain: { vgg: 'v.pth' } }, /augment\.adain\.decoder/);
  bad({ photometric: { noiseStd: [0.2, 0.1] } }, /augment\.photometric\.noiseStd/);
  bad({ photometric: { invert: 2 } }, /augment\.photometric\.invert/);
  bad({ randconv: {} }, /augment/);
  bad({ randConv: {}, splitBatchNorm: true }, /augment\.splitBatchNorm: needs clean images/);
  assert.throws(
    () => parseConfig({ data: { train: data }, train: { syncBN: true }, augment: { randConv: {}, fraction: 0.5, splitBatchNorm: true } }),
    /augment\.splitBatchNorm: is not supported with train\.syncBN/,
  );
});

test('augment.splitBatchNorm: the clean images come first with their labels, and prepare() says how many', async () => {
  T.manualSeed(2);
  const images = T.randint(0, 256, [16, 3, 8, 8], { dtype: 'uint8' });
  // image i is labelled i everywhere, to follow the reordering
  const labels = T.tidy(() => T.arange(0, 16).reshape([16, 1, 1]).expand([16, 8, 8]).contiguous());
  const { normalize } = await import('../../src/data/normalize.js');
  const clean = T.tidy(() => normalize(images));
  const aug = await buildAugmentation(AugmentConfigSchema.parse({ randConv: { p: 1, mix: [0, 0] }, fraction: 0.5, splitBatchNorm: true }), { device: 'cpu' });
  const out = aug.batch!.prepare(images, labels);
  const k = out.clean!;
  assert.ok(k > 0 && k < 16, `${k} clean images`);
  const order = Array.from(out.labels.select(1, 0).select(1, 0).toArray() as BigInt64Array, Number);
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    [...Array(16).keys()],
    'a permutation of the batch',
  );
  for (let i = 0; i < 16; i++) {
    const d = T.tidy(() => out.input.select(0, i).sub(clean.select(0, order[i]!)).abs().amax().item());
    assert.equal(d === 0, i < k, `image ${i} (was ${order[i]}): ${d}`);
  }
  // with consistency the original view is the clean part
  const js = await buildAugmentation(AugmentConfigSchema.parse({ randConv: { p: 1 }, consistency: {}, splitBatchNorm: true }), { device: 'cpu' });
  assert.equal(js.batch!.prepare(images, labels).clean, 16);
  for (const t of [images, labels, clean, out.input, out.labels]) t.dispose();
  aug.dispose();
  js.dispose();
});

test('buildAugmentation: nothing configured, nothing built; methods and feature modules where configured', async () => {
  const none = await buildAugmentation(AugmentConfigSchema.parse({}), { device: 'cpu' });
  assert.equal(none.batch, null);
  assert.deepEqual(none.features, {});
  const cfg = AugmentConfigSchema.parse({ randConv: {}, fourier: {}, photometric: {}, mixStyle: { layers: ['layer1'] }, dsu: {}, consistency: { weight: 2 } });
  const aug = await buildAugmentation(cfg, { device: 'cpu' });
  assert.deepEqual(
    aug.batch!.opts.methods.map((m) => m.name),
    ['fourier', 'randConv', 'photometric'],
  );
  assert.equal(aug.batch!.opts.consistencyWeight, 2);
  assert.deepEqual(Object.keys(aug.features), ['layer1', 'layer2']);
  const modules = featureModules(cfg);
  assert.ok(modules.layer1!.length === 2 && modules.layer1![0] instanceof MixStyle && modules.layer1![1] instanceof DSU);
  assert.ok(modules.layer2!.length === 1 && modules.layer2![0] instanceof DSU);

  // with consistency the model sees the original and the augmented view, labels repeated
  const images = T.randint(0, 256, [2, 3, 16, 16], { dtype: 'uint8' });
  const labels = T.randint(0, 4, [2, 16, 16]);
  const { input, labels: l2 } = aug.batch!.prepare(images, labels);
  assert.deepEqual(input.shape, [4, 3, 16, 16]);
  assert.deepEqual(
    l2.toArray(),
    T.tidy(() => T.F.cat([labels, labels], 0).toArray()),
  );
  aug.dispose();
  await assert.rejects(
    buildAugmentation(AugmentConfigSchema.parse({ adain: { vgg: '/nonexistent/vgg.pth', decoder: '/nonexistent/d.pth' } }), { device: 'cpu' }),
    /vgg\.pth/,
  );
  for (const t of [images, labels, input, l2]) t.dispose();
});

test('the JS divergence is 0 for equal predictions, symmetric, at most ln 2, and gives gradients', () => {
  const a = T.randn([2, 5, 4, 4]);
  const b = T.randn([2, 5, 4, 4]).mul(3);
  assert.ok(Math.abs(jsDivergence(a, a).item()) < 1e-6);
  const ab = jsDivergence(a, b).item();
  assert.ok(ab > 0 && ab <= Math.LN2 + 1e-6);
  assert.ok(Math.abs(ab - jsDivergence(b, a).item()) < 1e-6);
  // disjoint one-hot predictions reach ln 2
  const big = T.F.oneHot(T.tensor([0, 1], [2]), 2)
    .float()
    .mul(60);
  const far = jsDivergence(big.reshape([1, 2, 1, 2]), T.F.flip(big, [1]).reshape([1, 2, 1, 2])).item();
  assert.ok(Math.abs(far - Math.LN2) < 1e-4, `${far}`);
  a.requiresGrad = true;
  const d = jsDivergence(a, b);
  d.backward();
  assert.ok(a.grad!.abs().sum().item() > 0);
  for (const t of [a, b, big, d]) t.dispose();
});

test('augment.fraction: only that share of the images is augmented, the rest pass through unchanged', async () => {
  T.manualSeed(5);
  const aug = await buildAugmentation(AugmentConfigSchema.parse({ randConv: { p: 1, mix: [0, 0] }, fraction: 0.5 }), { device: 'cpu' });
  const images = T.randint(0, 256, [16, 3, 8, 8], { dtype: 'uint8' });
  const labels = T.zeros([16, 8, 8], { dtype: 'int64' });
  const out = aug.batch!.augment(images, labels);
  const unit = T.tidy(() => images.float().div(255));
  const same = Array.from(
    { length: 16 },
    (_, i) =>
      T.tidy(() =>
        out
          .narrow(0, i, 1)
          .sub(unit.narrow(0, i, 1))
          .abs()
          .amax()
          .item(),
      ) === 0,
  );
  const kept = same.filter(Boolean).length;
  assert.ok(kept > 0 && kept < 16, `${kept} of 16 images unchanged`);
  const none = await buildAugmentation(AugmentConfigSchema.parse({ randConv: { p: 1 }, fraction: 0 }), { device: 'cpu' });
  const out0 = none.batch!.augment(images, labels);
  assert.equal(
    T.tidy(() => out0.sub(unit).abs().amax().item()),
    0,
  );
  for (const t of [images, labels, out, unit, out0]) t.dispose();
  aug.dispose();
  none.dispose();
});
