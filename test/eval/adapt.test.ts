// Test-time adaptation (src/eval/adapt): BN statistics mixed with a prior (Schneider et al. 2020) and TENT
// (Wang et al. 2021) on a small DeepLabV3 with non-trivial BatchNorm statistics, through evaluate().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sample } from '../../src/data/dataset.js';
import { normalize } from '../../src/data/normalize.js';
import { meanEntropy } from '../../src/eval/adapt/entropy.js';
import { AdaptOptionsSchema, TentSchema } from '../../src/eval/adapt/options.js';
import { adaptationRecord } from '../../src/eval/adapt/record.js';
import { Tent } from '../../src/eval/adapt/tent.js';
import { type EvalDataset, evaluate, evaluationToFile } from '../../src/eval/evaluate.js';
import { createDeepLabV3, type DeepLabV3 } from '../../src/models/index.js';
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential, withBatchNormPrior } from '../../src/nn/index.js';
import { F, fromBuffer, liveTensorCount, manualSeed, noGrad, rand, randn, type Tensor, tidy } from '../../src/tensor/index.js';
import { prng } from '../report/fake-run.js';
import { RGB3 } from './rgb3.js';

const space = RGB3;

/** Gives every BatchNorm under `m` random running statistics and affine parameters (not 0/1), and eval mode. */
function randomiseNorms<M extends Module>(m: M): M {
  noGrad(() => {
    for (const b of m.modules())
      if (b instanceof BatchNorm2d) {
        tidy(() => {
          b.runningMean!.copy_(randn([b.numFeatures]).mul(0.1));
          b.runningVar!.copy_(rand([b.numFeatures]).add(0.5));
          b.weight!.copy_(rand([b.numFeatures]).add(0.5));
          b.bias!.copy_(randn([b.numFeatures]).mul(0.1));
        });
      }
  });
  m.eval();
  return m;
}

/** conv-BN-ReLU twice and a 1×1 classifier: a segmentation model small enough for many adaptation steps. */
class TinySeg extends Module {
  readonly body = new Sequential(
    new Conv2d(3, 8, 3, { padding: 1 }),
    new BatchNorm2d(8),
    new ReLU(),
    new Conv2d(8, 8, 3, { padding: 1 }),
    new BatchNorm2d(8),
    new ReLU(),
  );
  readonly head = new Conv2d(8, 3, 1);
  readonly numClasses = 3;
  forward(x: Tensor, _opts?: { aux?: boolean }): { out: Tensor } {
    return { out: this.head.forward(this.body.forward(x)) };
  }
}

function model(): TinySeg {
  manualSeed(7);
  return randomiseNorms(new TinySeg());
}

function sample(id: string, w: number, h: number, seed: number): Sample {
  const rnd = prng(seed);
  const image = Buffer.alloc(w * h * 3);
  const label = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) image[3 * i + k] = Math.floor(rnd() * 256);
    label[i] = Math.floor(rnd() * 3);
  }
  return { image, label, width: w, height: h, id };
}

const samples = [sample('a', 40, 32, 1), sample('b', 48, 32, 2), sample('c', 40, 40, 3)];
const data: EvalDataset = { length: samples.length, labelSpace: space, load: async (i) => samples[i]! };
const imageOf = (s: Sample): Tensor => fromBuffer(s.image, [s.height, s.width, 3], 'uint8').permute([2, 0, 1]).unsqueeze(0);
const logits = (m: TinySeg | DeepLabV3, s: Sample): Tensor => noGrad(() => m.forward(normalize(imageOf(s)), { aux: false }).out);
const maxAbs = (t: Tensor): number => t.abs().amax().item();

/** Every state-dict tensor as host bytes, to compare a model before and after. */
function snapshot(m: Module): Map<string, string> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, Buffer.from(t.toRaw().data).toString('base64')]));
}

describe('BN adaptation (prior N)', () => {
  it('a huge prior gives the unadapted logits of a DeepLabV3 (ASPP pooling branch included)', () => {
    manualSeed(7);
    const m = randomiseNorms(createDeepLabV3('deeplabv3_resnet18', { numClasses: 3, outputStride: 16 }));
    tidy(() => {
      const plain = logits(m, samples[0]!);
      const adapted = withBatchNormPrior(m, 1e12, () => logits(m, samples[0]!));
      assert.ok(maxAbs(plain.sub(adapted)) <= 1e-6 * Math.max(1, maxAbs(plain)), `max diff ${maxAbs(plain.sub(adapted))}`);
    });
    m.dispose();
  });

  it('prior 0 is train-mode batch normalisation; prior N mixes (N·source + n·batch)/(N + n); running statistics stay', () => {
    manualSeed(3);
    const bn = new BatchNorm2d(4);
    tidy(() => {
      noGrad(() => {
        bn.runningMean!.copy_(randn([4]));
        bn.runningVar!.copy_(rand([4]).add(0.5));
        bn.weight!.copy_(rand([4]).add(0.5));
        bn.bias!.copy_(randn([4]));
      });
      bn.eval();
      const x = randn([2, 4, 5, 6]).mul(2).add(1);
      const before = [bn.runningMean!.toArray(), bn.runningVar!.toArray()];
      const w = bn.weight!.view([1, 4, 1, 1]);
      const b = bn.bias!.view([1, 4, 1, 1]);
      const normalise = (mean: Tensor, variance: Tensor) =>
        x
          .sub(mean.view([1, 4, 1, 1]))
          .div(variance.add(bn.eps).sqrt().view([1, 4, 1, 1]))
          .mul(w)
          .add(b);
      const mb = x.mean([0, 2, 3]);
      const vb = x
        .sub(mb.view([1, 4, 1, 1]))
        .pow(2)
        .mean([0, 2, 3]);
      noGrad(() => {
        const zero = withBatchNormPrior(bn, 0, () => bn.forward(x));
        assert.ok(maxAbs(zero.sub(F.batchNorm(x, null, null, bn.weight, bn.bias, true, 0, bn.eps))) < 1e-6, 'prior 0 = train-mode BN');
        assert.ok(maxAbs(zero.sub(normalise(mb, vb))) < 1e-5, 'prior 0 = batch statistics (biased variance)');
        const three = withBatchNormPrior(bn, 3, () => bn.forward(x));
        const mean = bn.runningMean!.mul(3).add(mb.mul(2)).div(5);
        const variance = bn.runningVar!.mul(3).add(vb.mul(2)).div(5);
        assert.ok(maxAbs(three.sub(normalise(mean, variance))) < 1e-5, 'prior 3 with n = 2 images');
        assert.ok(maxAbs(bn.forward(x).sub(normalise(bn.runningMean!, bn.runningVar!))) < 1e-5, 'off again after the scope');
      });
      assert.deepEqual([bn.runningMean!.toArray(), bn.runningVar!.toArray()], before);
      assert.equal(bn.prior, null);
    });
    bn.dispose();
  });
});

describe('TENT', () => {
  it('a step lowers the entropy of the batch it adapted on; close() restores every tensor and requiresGrad', () => {
    const m = model();
    const sd = snapshot(m);
    const flags = m.parameters().map((p) => p.requiresGrad);
    const entropy = (s: Sample) =>
      noGrad(() =>
        tidy(() =>
          meanEntropy(
            F.logSoftmax(
              withBatchNormPrior(m, 0, () => logits(m, s)),
              1,
            ),
          ).item(),
        ),
      );
    const e0 = entropy(samples[0]!);
    const tent = new Tent(m, TentSchema.parse({ method: 'tent', lr: 1e-3 }));
    tidy(() => tent.predict(imageOf(samples[0]!), {}));
    const e1 = entropy(samples[0]!);
    assert.ok(e1 < e0, `entropy ${e0} -> ${e1}`);
    assert.notDeepEqual(snapshot(m), sd, 'the BatchNorm affine parameters moved');
    tent.close();
    assert.deepEqual(snapshot(m), sd);
    assert.deepEqual(
      m.parameters().map((p) => p.requiresGrad),
      flags,
    );
    m.dispose();
  });
});

describe('evaluate() with adapt', () => {
  const opts = { labelSpace: space, device: 'cpu' as const };

  it('BN adaptation with a huge prior counts what no adaptation counts', async () => {
    const m = model();
    const plain = await evaluate(m, data, opts);
    const adapted = await evaluate(m, data, { ...opts, adapt: { method: 'bn', prior: 1e12 } });
    assert.deepEqual(adapted.confusion, plain.confusion);
    m.dispose();
  });

  it('episodic TENT (one step) predicts what BN adaptation with prior 0 does: the forward before its update', async () => {
    const m = model();
    const bn0 = await evaluate(m, data, { ...opts, adapt: { method: 'bn', prior: 0 } });
    const tent = await evaluate(m, data, { ...opts, adapt: TentSchema.parse({ method: 'tent', episodic: true, lr: 0.1 }) });
    assert.deepEqual(tent.confusion, bn0.confusion);
    m.dispose();
  });

  it('every method leaves the model state dict, requiresGrad and mode as they were, without leaking tensors', async () => {
    const m = model();
    const sd = snapshot(m);
    const flags = m.parameters().map((p) => p.requiresGrad);
    const live = liveTensorCount();
    const methods = [
      { method: 'bn' },
      { method: 'bn', prior: 0 },
      { method: 'tent', episodic: true },
      { method: 'tent', steps: 2, lr: 0.01 },
      { method: 'tent', lr: 0.01 },
    ].map((x) => AdaptOptionsSchema.parse(x));
    for (const adapt of methods) {
      const r = await evaluate(m, data, { ...opts, adapt, ...(adapt.method === 'tent' && adapt.steps === 2 ? { flip: true, scales: [1, 0.5] } : {}) });
      assert.equal(r.images, samples.length);
      assert.deepEqual(snapshot(m), sd, JSON.stringify(adapt));
      assert.deepEqual(
        m.parameters().map((p) => p.requiresGrad),
        flags,
      );
      assert.equal(m.training, false);
      assert.ok(
        m.parameters().every((p) => p.grad === null),
        'no gradients left behind',
      );
    }
    assert.equal(liveTensorCount(), live);
    m.dispose();
  });

  it('online TENT adapts through the images (its predictions differ from episodic ones at a large lr)', async () => {
    const m = model();
    const episodic = await evaluate(m, data, { ...opts, adapt: TentSchema.parse({ method: 'tent', episodic: true, lr: 0.5 }) });
    const online = await evaluate(m, data, { ...opts, adapt: TentSchema.parse({ method: 'tent', lr: 0.5 }) });
    assert.notDeepEqual(online.confusion, episodic.confusion);
    m.dispose();
  });

  it('the result file records the method, its settings and the images adapted on', async () => {
    const m = model();
    const adapt = TentSchema.parse({ method: 'tent', steps: 2, episodic: true });
    const r = await evaluate(m, data, { ...opts, adapt });
    const file = evaluationToFile(r, {
      checkpoint: null,
      labelSpace: space.name,
      classNames: space.classes,
      data: { spec: 'mem:x', count: r.images },
      outputStride: null,
      scales: [1],
      flip: false,
      adaptation: adaptationRecord(adapt, r.images, 'mem:x'),
    });
    assert.deepEqual(file.adaptation, { method: 'tent', lr: 0.00025, momentum: 0.9, steps: 2, episodic: true, images: 3, data: 'mem:x', batch: 1 });
    const plain = evaluationToFile(r, {
      checkpoint: null,
      labelSpace: space.name,
      classNames: space.classes,
      data: { count: 3 },
      outputStride: null,
      scales: [1],
      flip: false,
    });
    assert.equal(plain.adaptation, null);
    m.dispose();
  });

  it('refuses a model without BatchNorm layers', async () => {
    const noBn = { training: false, forward: (x: Tensor) => ({ out: x.mul(1) }), eval() {}, train() {} };
    await assert.rejects(evaluate(noBn, data, { ...opts, adapt: { method: 'bn', prior: 16 } }), /--adapt\) needs a model with BatchNorm layers/);
  });
});
