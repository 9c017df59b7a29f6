// The training loss with a cue-conflict texture target (augment.debias): γ = 1 is the plain loss bit for bit (value,
// gradients, the weights after a training step); a pixel wearing its own class's texture gets exactly its one-hot
// cross-entropy; the rest the soft target's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchAugmentation, type PreparedBatch, ShapeTextureDebias } from '../../src/augment/index.js';
import type { GlobalBatch } from '../../src/distributed/global-batch.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { SGD } from '../../src/optim/index.js';
import * as T from '../../src/tensor/index.js';
import { GradScaler } from '../../src/train/grad-scaler.js';
import { segmentationLoss, softTargetPixelLoss } from '../../src/train/loss.js';
import { trainStep } from '../../src/train/train-step.js';

const floats = (t: T.Tensor): Float32Array => t.toArray() as Float32Array;

/** Logits (leaf tensors) of two heads, labels with ignored pixels, and texture classes differing on part of them. */
function problem() {
  T.manualSeed(4);
  const out = T.randn([2, 5, 6, 7]);
  const aux = T.randn([2, 5, 6, 7]);
  out.requiresGrad = true;
  aux.requiresGrad = true;
  const labels = T.randint(0, 5, [2, 6, 7]);
  labels.narrow(1, 0, 1).fill_(255);
  // the texture class differs from the label on the left half only
  const texture = labels.clone();
  texture
    .narrow(1, 1, 5)
    .narrow(2, 0, 3)
    .copy_(T.randint(0, 5, [2, 5, 3]));
  return { out, aux, labels, texture };
}

test('γ = 1: the plain loss bit for bit, value and gradients', () => {
  const { out, aux, labels, texture } = problem();
  const grads = (texture?: { labels: T.Tensor; shapeWeight: number }) => {
    out.setGrad(null);
    aux.setGrad(null);
    const loss = segmentationLoss({ out, aux }, labels, texture);
    loss.backward();
    return [loss.item(), floats(out.grad!).slice(), floats(aux.grad!).slice()] as const;
  };
  const plain = grads();
  const one = grads({ labels: texture, shapeWeight: 1 });
  assert.equal(one[0], plain[0]);
  assert.deepEqual(one[1], plain[1]);
  assert.deepEqual(one[2], plain[2]);
  const soft = grads({ labels: texture, shapeWeight: 0.8 });
  assert.notEqual(soft[0], plain[0], 'γ < 1 mixes in the texture classes');
  for (const t of [out, aux, labels, texture]) t.dispose();
});

test('the soft target per pixel: own-class texture is exactly the one-hot CE, others γ·CE(y) + (1 − γ)·CE(t), mean over labelled pixels', () => {
  const { out, labels, texture } = problem();
  const gamma = 0.8;
  T.tidy(() => {
    const pixel = floats(softTargetPixelLoss(out, labels, { labels: texture, shapeWeight: gamma }));
    const ceY = floats(T.F.crossEntropy(out, labels, { ignoreIndex: 255, reduction: 'none' }));
    // the soft-target cross-entropy written out: −Σ_k q_k log p_k
    const logp = T.F.logSoftmax(out, 1);
    const q = (l: T.Tensor) =>
      T.F.oneHot(T.F.where(labels.eq(255), 0, l), 5)
        .permute([0, 3, 1, 2])
        .float();
    const target = q(labels)
      .mul(gamma)
      .add(q(texture).mul(1 - gamma));
    const explicit = floats(logp.mul(target).sum(1).neg().mul(labels.ne(255).float()));
    const lab = Array.from(labels.flatten().toArray() as BigInt64Array, Number);
    const tex = Array.from(texture.flatten().toArray() as BigInt64Array, Number);
    let own = 0;
    let mixed = 0;
    lab.forEach((y, i) => {
      if (y === 255) assert.equal(pixel[i], 0, 'ignored pixels contribute nothing');
      else if (tex[i] === y) {
        own++;
        assert.equal(pixel[i], ceY[i], `pixel ${i}: its own class's texture gives exactly the one-hot CE`);
      } else {
        mixed++;
        assert.ok(Math.abs(pixel[i]! - explicit[i]!) < 1e-5, `pixel ${i}: ${pixel[i]} vs ${explicit[i]}`);
      }
    });
    assert.ok(own > 0 && mixed > 0, `${own} own-class and ${mixed} mixed pixels`);
    const labelled = lab.filter((y) => y !== 255).length;
    const mean = segmentationLoss({ out }, labels, { labels: texture, shapeWeight: gamma }).item();
    const want = pixel.reduce((s, v) => s + v, 0) / labelled;
    assert.ok(Math.abs(mean - want) < 1e-5, `mean ${mean} vs ${want}`);
  });
  for (const t of [out, labels, texture]) t.dispose();
});

/** Drops the texture target: the step then computes the plain loss on the same (restyled) input. */
class WithoutTexture extends BatchAugmentation {
  override prepare(images: T.Tensor, labels: T.Tensor, world?: GlobalBatch): PreparedBatch {
    const { texture, ...rest } = super.prepare(images, labels, world);
    texture?.labels.dispose();
    return rest;
  }
}

test('a training step with debias at γ = 1 ends with exactly the weights of the plain loss on the same images', async () => {
  const images = T.randint(0, 256, [2, 3, 24, 24], { dtype: 'uint8' });
  // four horizontal bands of classes 0..3
  const labels = T.tensor(
    Array.from({ length: 2 * 24 * 24 }, (_, i) => Math.floor((i % (24 * 24)) / (6 * 24))),
    [2, 24, 24],
  );
  const step = async (batch: BatchAugmentation): Promise<Map<string, Uint8Array>> => {
    T.manualSeed(0);
    const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 4, outputStride: 16, auxLoss: true });
    model.train();
    const optimizer = SGD.forParameters(model.namedParameters(), { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
    T.manualSeed(1);
    await trainStep({
      model,
      optimizer,
      scaler: new GradScaler(false),
      next: async () => ({ images: images.clone(), labels: labels.clone(), ids: [] }),
      accumulate: 1,
      lr: 0.01,
      settings: { device: 'cpu', channelsLast: false, amp: false },
      augment: { batch, features: {} },
      step: 1,
    });
    const weights = new Map([...model.stateDict()].map(([k, t]) => [k, t.toRaw().data]));
    optimizer.dispose();
    model.dispose();
    return weights;
  };
  const method = (gamma: number) => [new ShapeTextureDebias({ gamma, p: 1, source: 'batch', numClasses: 4 })];
  const debiased = await step(new BatchAugmentation({ methods: method(1), consistencyWeight: null }));
  const plain = await step(new WithoutTexture({ methods: method(1), consistencyWeight: null }));
  for (const [k, v] of plain) assert.ok(Buffer.from(v).equals(Buffer.from(debiased.get(k)!)), `${k} differs`);
  const soft = await step(new BatchAugmentation({ methods: method(0.8), consistencyWeight: null }));
  const k = 'classifier.4.weight';
  assert.ok(!Buffer.from(soft.get(k)!).equals(Buffer.from(plain.get(k)!)), 'γ = 0.8 trains elsewhere');
  for (const t of [images, labels]) t.dispose();
});
