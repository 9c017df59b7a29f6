import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Sample } from '../../src/data/dataset.js';
import { getLabelSpace, type LabelSpace } from '../../src/data/label-spaces.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src/data/normalize.js';
import { type EvalDataset, evaluate, evaluationToFile } from '../../src/eval/evaluate.js';
import { predict, predictProbabilities, type SegmentationModel } from '../../src/eval/inference.js';
import { countConfusion } from '../../src/eval/metrics.js';
import { readEvalResult, writeEvalResult } from '../../src/eval/result-file.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { fromBuffer, liveTensorCount, manualSeed, type Tensor, tidy } from '../../src/tensor/index.js';
import { prng } from '../report/fake-run.js';
import { RGB3 } from './rgb3.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const space3 = RGB3;

/** Logits = the normalised RGB channels themselves: predictions are checkable by hand. */
class ChannelModel implements SegmentationModel {
  training = false;
  calls = 0;
  forward(x: Tensor): { out: Tensor } {
    this.calls++;
    return { out: x.mul(1) };
  }
  eval(): this {
    this.training = false;
    return this;
  }
  train(mode = true): this {
    this.training = mode;
    return this;
  }
}

function randomSample(id: string, w: number, h: number, seed: number, c = 3): Sample {
  const rnd = prng(seed);
  const image = Buffer.alloc(w * h * 3);
  const label = Buffer.alloc(w * h);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) image[3 * i + k] = Math.floor(rnd() * 256);
    label[i] = rnd() < 0.1 ? 255 : Math.floor(rnd() * c);
  }
  return { image, label, width: w, height: h, id };
}

/** Host reference of ChannelModel + argmax. */
function channelArgmax(s: Sample): Uint8Array {
  const out = new Uint8Array(s.width * s.height);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let k = 0; k < 3; k++) {
      const v = Math.fround(Math.fround(Math.fround(s.image[3 * i + k]! / 255) - Math.fround(IMAGENET_MEAN[k]!)) / Math.fround(IMAGENET_STD[k]!));
      if (v > bestV) [best, bestV] = [k, v];
    }
    out[i] = best;
  }
  return out;
}

function dataset(samples: Sample[], labelSpace: LabelSpace): EvalDataset {
  return { length: samples.length, labelSpace, load: async (i) => samples[i]! };
}

const toImage = (s: Sample): Tensor => fromBuffer(s.image, [s.height, s.width, 3], 'uint8').permute([2, 0, 1]).unsqueeze(0);

describe('inference', () => {
  it('default inference is normalise → forward → argmax, with no leaks', () => {
    const s = randomSample('a', 23, 17, 1);
    const model = new ChannelModel();
    const before = liveTensorCount();
    const pred = tidy(() => predict(model, toImage(s)).to('uint8').toArray());
    assert.equal(liveTensorCount(), before);
    assert.deepEqual(Array.from(pred as Uint8Array), Array.from(channelArgmax(s)));
  });

  it('flip averaging of a flip-equivariant model equals the plain softmax; several scales keep the input size', () => {
    const s = randomSample('a', 23, 17, 2);
    const model = new ChannelModel();
    const before = liveTensorCount();
    tidy(() => {
      const img = toImage(s);
      const plain = predictProbabilities(model, img);
      const flipped = predictProbabilities(model, img, { flip: true });
      assert.ok(plain.sub(flipped).abs().amax().item() < 1e-6);
      const ms = predictProbabilities(model, img, { scales: [0.5, 1, 1.5], flip: true });
      assert.deepEqual(ms.shape, [1, 3, 17, 23]);
      assert.ok(Math.abs(ms.sum(1).mean().item() - 1) < 1e-5, 'averaged probabilities sum to 1');
      assert.deepEqual(predict(model, img, { scales: [0.5, 1, 1.5], flip: true }).shape, [1, 17, 23]);
    });
    assert.equal(model.calls, 1 + 2 + 6 + 6);
    assert.equal(liveTensorCount(), before);
  });

  it('refuses a model in training mode', () => {
    const model = new ChannelModel().train();
    assert.throws(() => tidy(() => predict(model, toImage(randomSample('a', 4, 4, 3)))), /eval mode/);
  });
});

describe('evaluate', () => {
  it('counts exactly what a host reference counts, on images of different sizes, without leaks', async () => {
    const samples = [randomSample('s0', 31, 20, 10), randomSample('s1', 29, 21, 11), randomSample('s2', 30, 19, 12)];
    const model = new ChannelModel().train();
    const before = liveTensorCount();
    const seen: string[] = [];
    const preds: Uint8Array[] = [];
    const res = await evaluate(model, dataset(samples, space3), {
      labelSpace: space3,
      device: 'cpu',
      perImage: true,
      onProgress: (done, total, id) => seen.push(`${done}/${total} ${id}`),
      onPrediction: (_s, p) => void preds.push(p),
    });
    assert.equal(liveTensorCount(), before);
    assert.equal(model.training, true, 'training mode restored');
    assert.deepEqual(seen, ['1/3 s0', '2/3 s1', '3/3 s2']);
    const expected = new Float64Array(9);
    samples.forEach((s, i) => {
      assert.deepEqual(Array.from(preds[i]!), Array.from(channelArgmax(s)));
      countConfusion(s.label, channelArgmax(s), 3).forEach((v, k) => {
        expected[k]! += v;
      });
    });
    assert.deepEqual(Array.from(res.confusion), Array.from(expected));
    assert.equal(
      res.ignoredPixels,
      samples.reduce((n, s) => n + s.label.filter((v) => v === 255).length, 0),
    );
    assert.equal(res.perImage?.length, 3);
    assert.equal(res.images, 3);

    const file = path.join(dir, 'eval', 'r.json');
    await writeEvalResult(
      file,
      evaluationToFile(res, {
        checkpoint: null,
        labelSpace: 'rgb3',
        classNames: space3.classes,
        data: { spec: 'fake', count: 3 },
        outputStride: null,
        scales: [1],
        flip: false,
      }),
    );
    const back = await readEvalResult(file);
    assert.equal(back.perImage?.[1]?.id, 's1');
    assert.deepEqual(back.confusionMatrix.flat(), Array.from(expected));
  });

  it('checks label space and class count agreement', async () => {
    const kk = getLabelSpace('vkitti-kitti');
    await assert.rejects(
      evaluate(new ChannelModel(), dataset([], kk), { labelSpace: space3, device: 'cpu' }),
      /label space vkitti-kitti but evaluation asked for rgb3/,
    );
    const m = Object.assign(new ChannelModel(), { numClasses: 5 });
    await assert.rejects(evaluate(m, dataset([], space3), { labelSpace: space3, device: 'cpu' }), /predicts 5 classes but label space rgb3 has 3/);
  });

  it('runs a DeepLabV3 at the asked output stride and restores stride and mode', async () => {
    manualSeed(0);
    const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 3, outputStride: 16 });
    const samples = [randomSample('a', 40, 33, 20), randomSample('b', 37, 30, 21)];
    const before = liveTensorCount();
    const res = await evaluate(model, dataset(samples, space3), { labelSpace: space3, device: 'cpu', outputStride: 8 });
    assert.equal(model.outputStride, 16);
    assert.equal(model.training, true);
    assert.equal(liveTensorCount(), before);
    assert.equal(res.metrics.totalPixels + res.ignoredPixels, 40 * 33 + 37 * 30);
    // the same prediction by hand at OS 8
    model.setOutputStride(8).eval();
    const expected = new Float64Array(9);
    for (const s of samples) {
      const pred = tidy(() => predict(model, toImage(s)).to('uint8').toArray() as Uint8Array);
      countConfusion(s.label, pred, 3).forEach((v, k) => {
        expected[k]! += v;
      });
    }
    assert.deepEqual(Array.from(res.confusion), Array.from(expected));
    model.dispose();
  });
});
