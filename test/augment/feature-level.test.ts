// MixStyle and DSU: identity in eval mode, statistics mixed/resampled in training, seeded, gradients flow;
// inserted after layer1/layer2 of a DeepLabV3-ResNet-18 they add no state-dict keys and leave eval alone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beta, chainFeatureModules, channelStats, DSU, drawRng, MixStyle } from '../../src/augment/index.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import * as T from '../../src/tensor/index.js';

test('MixStyle and DSU are the identity in eval mode and with p = 0', () => {
  const x = T.randn([4, 8, 6, 6]);
  for (const m of [new MixStyle({ p: 1 }), new DSU({ p: 1 })]) {
    m.eval();
    assert.equal(m.forward(x), x, `${m.constructor.name} in eval mode`);
  }
  for (const m of [new MixStyle({ p: 0 }), new DSU({ p: 0 })]) assert.equal(m.forward(x), x, `${m.constructor.name} with p = 0`);
  // a batch of one has nobody to mix with
  const one = x.narrow(0, 0, 1);
  assert.equal(new MixStyle({ p: 1 }).forward(one), one);
  x.dispose();
  one.dispose();
});

test("MixStyle: each sample's channel means become convex mixes of the batch's; same seed, same output", () => {
  const x = T.randn([4, 5, 6, 7]).add(T.randn([4, 5, 1, 1]).mul(4));
  const m = new MixStyle({ p: 1, alpha: 0.5 });
  T.manualSeed(4);
  const y = m.forward(x);
  T.manualSeed(4);
  const y2 = m.forward(x);
  assert.deepEqual(y.toArray(), y2.toArray());
  assert.ok(y.sub(x).abs().amax().item() > 1e-3);
  const mx = channelStats(x, 1e-6).mean.squeeze(3).squeeze(2);
  const my = channelStats(y, 1e-6).mean.squeeze(3).squeeze(2);
  const lo = mx.amin(0, true);
  const hi = mx.amax(0, true);
  assert.equal(
    my
      .lt(lo.sub(1e-4))
      .logicalOr(my.gt(hi.add(1e-4)))
      .sum()
      .item(),
    0,
    'mixed means within the batch range',
  );
  for (const t of [x, y, y2, mx, my, lo, hi]) t.dispose();
});

test('DSU perturbs statistics, keeps shapes, is seeded, and passes gradients', () => {
  const x = T.randn([3, 4, 5, 5]);
  x.requiresGrad = true;
  const m = new DSU({ p: 1 });
  T.manualSeed(8);
  const y = m.forward(x);
  T.manualSeed(8);
  const y2 = m.forward(x);
  assert.deepEqual(y.shape, x.shape);
  assert.deepEqual(y.toArray(), y2.toArray());
  assert.ok(y.sub(x).abs().amax().item() > 1e-4);
  y.sum().backward();
  const g = x.grad!;
  assert.ok(g.abs().sum().item() > 0);
  for (const t of [x, y, y2, g]) t.dispose();
});

test('Beta(a, b) draws have the right mean', () => {
  T.manualSeed(0);
  const rng = drawRng();
  let s = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) s += beta(rng, 2, 5);
  assert.ok(Math.abs(s / n - 2 / 7) < 0.01, `mean ${s / n}`);
  let small = 0;
  for (let i = 0; i < n; i++) small += beta(rng, 0.1, 0.1);
  assert.ok(Math.abs(small / n - 0.5) < 0.03, `Beta(0.1, 0.1) mean ${small / n}`);
});

test('feature hooks after layer1/layer2: no new state-dict keys, eval output unchanged, training output changed', () => {
  T.manualSeed(1);
  const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 3, outputStride: 16 });
  const keys = [...model.stateDict().keys()];
  const x = T.randn([2, 3, 32, 32]);
  model.eval();
  const before = T.noGrad(() => model.forward(x).out);
  const featureAugment = chainFeatureModules({ layer1: [new MixStyle({ p: 1 })], layer2: [new MixStyle({ p: 1 }), new DSU({ p: 1 })] });
  assert.deepEqual([...model.stateDict().keys()], keys);
  const after = T.noGrad(() => model.forward(x, { featureAugment }).out);
  assert.deepEqual(after.toArray(), before.toArray(), 'eval mode ignores the feature hooks');
  // training mode: the same seed gives the same output, and it differs from the plain model's
  model.train();
  const trainOut = (seed: number, augment = featureAugment) => {
    T.manualSeed(seed);
    return T.noGrad(() => model.forward(x, { featureAugment: augment }).out);
  };
  const a = trainOut(3);
  const b = trainOut(3);
  assert.deepEqual(a.toArray(), b.toArray());
  const plain = trainOut(3, {});
  assert.ok(plain.sub(a).abs().amax().item() > 1e-5);
  for (const t of [x, before, after, a, b, plain]) t.dispose();
  model.dispose();
});
