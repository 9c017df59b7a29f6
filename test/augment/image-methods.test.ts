// RandConv and the photometric ops: geometry and labels kept, seeded determinism, each op's defining effect.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchAugmentation, gaussianTaps, Photometric, RandConv } from '../../src/augment/index.js';
import * as T from '../../src/tensor/index.js';

const photometricOff = { grayscale: 0, blur: 0, blurSigma: [0.5, 1] as [number, number], noise: 0, noiseStd: [0, 0.05] as [number, number] };

test('RandConv keeps the image size and the label map, and the same seed gives the same output', () => {
  const images = T.randint(0, 256, [2, 3, 32, 32], { dtype: 'uint8' });
  const labels = T.randint(0, 10, [2, 32, 32]);
  const aug = new BatchAugmentation({ methods: [new RandConv({ kernelSizes: [3, 5, 7], mix: [0, 1], p: 1 })], consistencyWeight: null });
  T.manualSeed(5);
  const a = aug.prepare(images, labels);
  T.manualSeed(5);
  const b = aug.prepare(images, labels);
  assert.deepEqual(a.input.shape, [2, 3, 32, 32]);
  assert.equal(a.input.dtype, 'float32');
  assert.equal(a.labels, labels, 'labels pass through untouched');
  assert.deepEqual(a.input.toArray(), b.input.toArray());
  const c = aug.prepare(images, labels); // the next batch draws a new filter
  assert.ok(c.input.sub(a.input).abs().amax().item() > 1e-3);
  for (const t of [images, labels, a.input, b.input, c.input]) t.dispose();
});

test('RandConv with a 1×1 kernel is a per-pixel colour map: equal pixels stay equal', () => {
  const x = T.rand([1, 3, 8, 8]);
  // copy pixel (0,0) to (5,6)
  const px = x.narrow(2, 0, 1).narrow(3, 0, 1);
  x.narrow(2, 5, 1).narrow(3, 6, 1).copy_(px);
  const y = new RandConv({ kernelSizes: [1], mix: [0, 0], p: 1 }).apply(x);
  const at = (t: T.Tensor, i: number, j: number) => Array.from(t.narrow(2, i, 1).narrow(3, j, 1).flatten().toArray() as Float32Array);
  assert.deepEqual(at(y, 5, 6), at(y, 0, 0));
  assert.notDeepEqual(at(y, 0, 0), at(x, 0, 0));
  // p = 0: the batch is returned as it is
  assert.equal(new RandConv({ kernelSizes: [3], mix: [0, 1], p: 0 }).apply(x), x);
  assert.throws(() => new RandConv({ kernelSizes: [2], mix: [0, 1], p: 1 }), /kernelSizes.*odd.*2/);
  for (const t of [x, px, y]) t.dispose();
});

test('per-class RandConv: each class region gets its own filter, ignored pixels keep the image', () => {
  // one colour everywhere: with 1×1 filters and α = 0 each region becomes one colour, its class's
  const x = T.full([2, 3, 6, 8], 0.7);
  const labels = T.zeros([2, 6, 8], { dtype: 'int64' });
  labels.narrow(2, 4, 4).fill_(1);
  labels.narrow(1, 0, 1).narrow(2, 0, 2).fill_(255);
  const rc = new RandConv({ kernelSizes: [1], mix: [0, 0], p: 1, perClass: true, numClasses: 3 });
  assert.equal(rc.needsLabels, true);
  T.manualSeed(3);
  const y = rc.apply(x, labels);
  T.manualSeed(3);
  const again = rc.apply(x, labels);
  assert.deepEqual(y.shape, [2, 3, 6, 8]);
  assert.deepEqual(y.toArray(), again.toArray(), 'same seed, same output');
  const px = (n: number, i: number, j: number) => Array.from(y.select(0, n).narrow(1, i, 1).narrow(2, j, 1).flatten().toArray() as Float32Array);
  const close = (a: number[], b: number[]) => a.every((v, k) => Math.abs(v - b[k]!) < 1e-6);
  for (const n of [0, 1]) {
    assert.ok(close(px(n, 3, 1), px(n, 5, 3)), 'one colour within class 0');
    assert.ok(close(px(n, 1, 5), px(n, 4, 7)), 'one colour within class 1');
    assert.ok(!close(px(n, 3, 1), px(n, 3, 5)), 'classes 0 and 1 get different filters');
  }
  assert.ok(!close(px(0, 3, 1), px(1, 3, 1)), 'and so do the images');
  assert.ok(close(px(0, 0, 0), [0.7, 0.7, 0.7]), 'ignored pixels keep the image');
  assert.throws(() => new RandConv({ kernelSizes: [3], mix: [0, 1], p: 1, perClass: true }), /perClass.*number of classes/);
  assert.throws(() => rc.apply(x), /perClass.*no labels/);
  for (const t of [x, labels, y, again]) t.dispose();
});

test('without methods the batch transform reproduces normalize() bit for bit', async () => {
  const { normalize } = await import('../../src/data/normalize.js');
  const images = T.randint(0, 256, [2, 3, 6, 5], { dtype: 'uint8' });
  const labels = T.zeros([2, 6, 5], { dtype: 'int64' });
  const { input } = new BatchAugmentation({ methods: [], consistencyWeight: null }).prepare(images, labels);
  const ref = normalize(images);
  assert.deepEqual(input.toArray(), ref.toArray());
  for (const t of [images, labels, input, ref]) t.dispose();
});

test('photometric: grayscale makes channels equal, blur keeps a constant image, noise changes it; seeded', () => {
  const x = T.rand([2, 3, 10, 12]);
  const gray = new Photometric({ ...photometricOff, grayscale: 1 }).apply(x);
  const d = gray
    .narrow(1, 0, 1)
    .sub(gray.narrow(1, 2, 1))
    .abs()
    .amax()
    .item();
  assert.ok(d < 1e-6, `channels differ by ${d}`);
  const flat = T.full([2, 3, 10, 12], 0.3);
  const blurred = new Photometric({ ...photometricOff, blur: 1, blurSigma: [0.5, 2] }).apply(flat);
  assert.deepEqual(blurred.shape, flat.shape);
  assert.ok(blurred.sub(0.3).abs().amax().item() < 1e-6, 'a blur of a constant image is that image');
  const blurX = new Photometric({ ...photometricOff, blur: 1, blurSigma: [1, 1] }).apply(x);
  // blurring lowers the spread of pixel values
  assert.ok(blurX.sub(blurX.mean()).pow(2).mean().item() < x.sub(x.mean()).pow(2).mean().item());
  const noisy = new Photometric({ ...photometricOff, noise: 1, noiseStd: [0.1, 0.1] });
  T.manualSeed(1);
  const n1 = noisy.apply(x);
  T.manualSeed(1);
  const n2 = noisy.apply(x);
  assert.deepEqual(n1.toArray(), n2.toArray());
  const sd = Math.sqrt(n1.sub(x).pow(2).mean().item());
  assert.ok(Math.abs(sd - 0.1) < 0.02, `noise std ${sd}`);
  assert.equal(new Photometric(photometricOff).apply(x), x, 'all probabilities 0: unchanged');
  const taps = gaussianTaps(1.5, 9);
  assert.ok(Math.abs(taps.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.deepEqual(gaussianTaps(0, 3), [0, 1, 0]);
  for (const t of [x, gray, flat, blurred, blurX, n1, n2]) t.dispose();
});

test('RandConv per image: two equal images get different filters; seeded; geometry kept', () => {
  const one = T.rand([1, 3, 16, 16]);
  const x = T.F.cat([one, one], 0);
  const conv = new RandConv({ kernelSizes: [3], mix: [0, 0], p: 1, perImage: true });
  T.manualSeed(3);
  const a = conv.apply(x);
  T.manualSeed(3);
  const b = conv.apply(x);
  assert.deepEqual(a.shape, [2, 3, 16, 16]);
  assert.deepEqual(a.toArray(), b.toArray());
  const diff = a
    .narrow(0, 0, 1)
    .sub(a.narrow(0, 1, 1))
    .abs()
    .amax()
    .item();
  assert.ok(diff > 1e-3, `per-image filters differ (max diff ${diff})`);
  // a batch-wide filter maps equal images to equal outputs
  const shared = new RandConv({ kernelSizes: [3], mix: [0, 0], p: 1 }).apply(x);
  assert.equal(
    shared
      .narrow(0, 0, 1)
      .sub(shared.narrow(0, 1, 1))
      .abs()
      .amax()
      .item(),
    0,
  );
  for (const t of [one, x, a, b, shared]) t.dispose();
});

test('photometric: invert gives 1 − x, channel shuffle permutes each image’s planes', () => {
  const x = T.rand([3, 3, 8, 8]);
  T.manualSeed(1);
  const inv = new Photometric({ ...photometricOff, invert: 1 }).apply(x);
  assert.ok(inv.sub(x.neg().add(1)).abs().amax().item() < 1e-7);
  const shuffled = new Photometric({ ...photometricOff, channelShuffle: 1 }).apply(x);
  const planeSums = (t: T.Tensor, i: number) =>
    Array.from(t.narrow(0, i, 1).sum([2, 3]).flatten().toArray() as Float32Array)
      .map((v) => v.toFixed(4))
      .sort();
  for (let i = 0; i < 3; i++) assert.deepEqual(planeSums(shuffled, i), planeSums(x, i));
  // p = 0 for both: the images come back as they are
  assert.equal(new Photometric(photometricOff).apply(x), x);
  for (const t of [x, inv, shuffled]) t.dispose();
});
