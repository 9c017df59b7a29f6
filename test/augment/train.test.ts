// Training with every method on (except AdaIN, which needs weight files; debias, which refuses consistency, trains
// in a run of its own): the run works, and a stopped, resumed run ends with exactly the weights of an uninterrupted
// one (the augmentations' randomness comes from the checkpointed torch generator).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { BatchNorm2d } from '../../src/nn/batchnorm.js';
import * as T from '../../src/tensor/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { train } from '../../src/train/trainer.js';
import { tinyConfig, writeTinyKitti } from '../train/fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-augtrain-'));
const data = path.join(tmp, 'kitti');
await writeTinyKitti(data, 5);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('an augmented run resumes exactly and leaks no tensor', async () => {
  const augment = {
    fourier: { beta: 0.1, mix: [0.5, 1], p: 1 },
    randConv: { p: 1 },
    photometric: { grayscale: 0.5, blur: 0.5, noise: 0.5 },
    mixStyle: { p: 1 },
    dsu: { p: 1, layers: ['layer2'] },
    consistency: { weight: 1 },
    splitBatchNorm: true,
  };
  const cfg = tinyConfig(data, { phases: [{ steps: 4, outputStride: 16 }], valEvery: 0, checkpointEvery: 0 }, { augment });
  const live = T.liveTensorCount();
  const full = await train({ config: cfg, runDir: path.join(tmp, 'full'), progress: 'off' });
  assert.equal(full.step, 4);
  assert.equal(T.liveTensorCount(), live, 'no tensor leaked');
  const part = await train({ config: cfg, runDir: path.join(tmp, 'resumed'), progress: 'off', stopAfter: 2 });
  assert.equal(part.step, 2);
  await train({ config: cfg, runDir: path.join(tmp, 'resumed'), progress: 'off', resume: true });
  const a = readCheckpoint(path.join(tmp, 'full', 'checkpoints', 'step-00000004.safetensors'));
  const b = readCheckpoint(path.join(tmp, 'resumed', 'checkpoints', 'step-00000004.safetensors'));
  for (const [k, t] of a.model) assert.ok(Buffer.from(t.data).equals(Buffer.from(b.model.get(k)!.data)), `model ${k} differs after resume`);
  // and the augmentations did something: a plain run ends elsewhere
  const plain = await train({
    config: tinyConfig(data, { phases: [{ steps: 4, outputStride: 16 }], valEvery: 0, checkpointEvery: 0 }),
    runDir: path.join(tmp, 'plain'),
    progress: 'off',
  });
  assert.equal(plain.step, 4);
  const c = readCheckpoint(path.join(tmp, 'plain', 'checkpoints', 'step-00000004.safetensors'));
  const k = 'classifier.4.weight';
  assert.ok(!Buffer.from(a.model.get(k)!.data).equals(Buffer.from(c.model.get(k)!.data)));
  // a phase with `augment: false` trains exactly as a run without the augment section
  const off = tinyConfig(data, { phases: [{ steps: 4, outputStride: 16, augment: false }], valEvery: 0, checkpointEvery: 0 }, { augment });
  await train({ config: off, runDir: path.join(tmp, 'off'), progress: 'off' });
  const d = readCheckpoint(path.join(tmp, 'off', 'checkpoints', 'step-00000004.safetensors'));
  for (const [name, t] of c.model) assert.ok(Buffer.from(t.data).equals(Buffer.from(d.model.get(name)!.data)), `model ${name} differs with augment: false`);
});

test('split BatchNorm statistics train with one clean image in a batch (the 1×1 ASPP pooling branch is normalised whole)', async () => {
  const augment = { randConv: { p: 1, perImage: true }, fraction: 0.5, splitBatchNorm: true };
  const cfg = tinyConfig(data, { phases: [{ steps: 4, outputStride: 16 }], valEvery: 0, checkpointEvery: 0 }, { augment });
  // training-mode BatchNorm2d forwards of a batch of 2 split after its one clean image, by map size
  const seen = { maps: 0, pooled: 0 };
  const forward = BatchNorm2d.prototype.forward;
  BatchNorm2d.prototype.forward = function (this: BatchNorm2d, x: T.Tensor): T.Tensor {
    if (this.training && this.splitAt === 1 && x.shape[0] === 2) {
      if (x.shape[2] === 1 && x.shape[3] === 1) seen.pooled++;
      else seen.maps++;
    }
    return forward.call(this, x);
  };
  let run: Awaited<ReturnType<typeof train>>;
  try {
    run = await train({ config: cfg, runDir: path.join(tmp, 'split-bn'), progress: 'off' });
  } finally {
    BatchNorm2d.prototype.forward = forward;
  }
  assert.equal(run.step, 4);
  assert.ok(seen.maps > 0, 'no step had a batch with exactly one clean image');
  // the clean image's part of a 1×1 map has one value per channel, which batch statistics refuse (libtorch throws):
  // training through such forwards shows the pooling branch was normalised whole
  assert.ok(seen.pooled > 0, 'the ASPP pooling branch never saw a one-clean-image batch');
});

test('debiased training (cue-conflict regions, soft targets, split BatchNorm) runs and resumes exactly', async () => {
  const augment = { debias: { gamma: 0.8, source: 'batch' }, fraction: 0.5, splitBatchNorm: true };
  const cfg = tinyConfig(data, { phases: [{ steps: 4, outputStride: 16 }], valEvery: 0, checkpointEvery: 0 }, { augment });
  const full = await train({ config: cfg, runDir: path.join(tmp, 'debias-full'), progress: 'off' });
  assert.equal(full.step, 4);
  await train({ config: cfg, runDir: path.join(tmp, 'debias-resumed'), progress: 'off', stopAfter: 2 });
  await train({ config: cfg, runDir: path.join(tmp, 'debias-resumed'), progress: 'off', resume: true });
  const a = readCheckpoint(path.join(tmp, 'debias-full', 'checkpoints', 'step-00000004.safetensors'));
  const b = readCheckpoint(path.join(tmp, 'debias-resumed', 'checkpoints', 'step-00000004.safetensors'));
  for (const [k, t] of a.model) assert.ok(Buffer.from(t.data).equals(Buffer.from(b.model.get(k)!.data)), `model ${k} differs after resume`);
  // the soft targets reach the loss: the same images with γ = 1 (the plain loss) train elsewhere
  const plain = tinyConfig(
    data,
    { phases: [{ steps: 4, outputStride: 16 }], valEvery: 0, checkpointEvery: 0 },
    { augment: { ...augment, debias: { gamma: 1 } } },
  );
  await train({ config: plain, runDir: path.join(tmp, 'debias-gamma-1'), progress: 'off' });
  const c = readCheckpoint(path.join(tmp, 'debias-gamma-1', 'checkpoints', 'step-00000004.safetensors'));
  const k = 'classifier.4.weight';
  assert.ok(!Buffer.from(a.model.get(k)!.data).equals(Buffer.from(c.model.get(k)!.data)));
});

test('auxiliary BatchNorm: the twins train on the augmented images, a frozen phase freezes both, and a resume is exact', async () => {
  const augment = { randConv: { p: 1, perImage: true }, fraction: 0.5, auxBatchNorm: true };
  const phases = [
    { steps: 3, outputStride: 16 },
    { steps: 1, outputStride: 16, freezeBN: true },
  ];
  const cfg = tinyConfig(data, { phases, valEvery: 0, checkpointEvery: 0 }, { augment });
  const live = T.liveTensorCount();
  await train({ config: cfg, runDir: path.join(tmp, 'aux-full'), progress: 'off' });
  assert.equal(T.liveTensorCount(), live, 'no tensor leaked');
  await train({ config: cfg, runDir: path.join(tmp, 'aux-resumed'), progress: 'off', stopAfter: 2 });
  await train({ config: cfg, runDir: path.join(tmp, 'aux-resumed'), progress: 'off', resume: true });
  const ck = (run: string, step: number) => readCheckpoint(path.join(tmp, run, 'checkpoints', `step-0000000${step}.safetensors`));
  const [a, b] = [ck('aux-full', 4), ck('aux-resumed', 4)];
  const bytes = (t: { data: ArrayBufferView }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  assert.deepEqual([...a.model.keys()], [...b.model.keys()]);
  for (const [k, t] of a.model) assert.ok(bytes(t).equals(bytes(b.model.get(k)!)), `model ${k} differs after resume`);
  for (const [k, t] of a.momentum) assert.ok(bytes(t).equals(bytes(b.momentum.get(k)!)), `momentum ${k} differs after resume`);
  // the twins are in the checkpoint under <bn>.aux_bn.* and learnt statistics of their own
  const stat = (k: string) => new Float32Array(a.model.get(k)!.data.buffer.slice(0) as ArrayBuffer);
  assert.ok(a.model.has('backbone.layer1.0.bn1.aux_bn.weight') && a.model.has('classifier.2.aux_bn.num_batches_tracked'));
  assert.notDeepEqual(stat('backbone.bn1.aux_bn.running_mean'), stat('backbone.bn1.running_mean'));
  assert.ok(a.momentum.has('backbone.bn1.aux_bn.weight'), 'the twins are trained (momentum of their weights)');
  // the frozen last phase changes no BatchNorm tensor, main or auxiliary
  const before = ck('aux-full', 3);
  // (a BatchNorm's tensors: those beside a running_mean)
  const isBatchNorm = (k: string) => a.model.has(k.replace(/\.[^.]+$/, '.running_mean'));
  const norms = [...a.model.keys()].filter(isBatchNorm);
  assert.ok(norms.some((k) => k.includes('.aux_bn.')) && norms.some((k) => !k.includes('.aux_bn.')));
  for (const k of norms) assert.ok(bytes(a.model.get(k)!).equals(bytes(before.model.get(k)!)), `${k} changed in the frozen phase`);
});
