import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { HostTensor, SegmentationBackend } from '../../src/deploy/backend.js';
import { modelInfo, withLabelSpace } from '../../src/deploy/model-info.js';
import { exportCheckpointToOnnx } from '../../src/deploy/onnx/index.js';
import { Segmenter } from '../../src/deploy/segmenter.js';
import { type Size2, slideWindows } from '../../src/deploy/sliding-window.js';
import { predict, predictProbabilities } from '../../src/eval/inference.js';
import { type LoadedModel, readModelCheckpoint } from '../../src/eval/load-model.js';
import { writeSafetensors } from '../../src/io/index.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { fromBuffer, liveTensorCount, manualSeed, type RawTensor, tidy } from '../../src/tensor/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-segmenter-'));
const ckpt = path.join(dir, 'tiny.safetensors');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Random RGB pixels. */
function randomImage(width: number, height: number, seed: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = s >> 23;
  }
  return { data, width, height };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// one model each for the Segmenter and for the reference, loaded once (loading dominates these tests' time)
let seg: Segmenter;
let refModel: LoadedModel['model'];

/** predict() / predictProbabilities() of src/eval/inference.ts on the same checkpoint. */
function reference(img: { data: Uint8Array; width: number; height: number }, opts: { scales?: number[]; flip?: boolean } = {}) {
  return tidy(() => {
    const x = fromBuffer(img.data, [img.height, img.width, 3], 'uint8').permute([2, 0, 1]).unsqueeze(0);
    return {
      labels: predict(refModel, x, opts).to('uint8').toArray() as Uint8Array,
      probabilities: predictProbabilities(refModel, x, opts).contiguous().toArray() as Float32Array,
    };
  });
}

before(async () => {
  manualSeed(7);
  const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 10 });
  const sd = new Map<string, RawTensor>();
  for (const [k, t] of m.stateDict()) sd.set(k, t.toRaw());
  m.dispose();
  writeSafetensors(ckpt, sd, { model: 'deeplabv3_resnet18', numClasses: '10', labelSpace: 'vkitti-kitti', outputStride: '16' });
  seg = await Segmenter.load(ckpt, { device: 'cpu' });
  refModel = readModelCheckpoint(ckpt, { device: 'cpu' }).model;
});
after(async () => {
  await seg.dispose();
  refModel.dispose();
});

describe('Segmenter on a libtorch checkpoint', () => {
  const img = randomImage(33, 29, 1);

  it('whole image: the labels and probabilities of predict()', async () => {
    assert.equal(seg.engine, 'libtorch');
    assert.equal(seg.info.labelSpace, 'vkitti-kitti');
    assert.equal(seg.info.classNames.length, 10);
    const live = liveTensorCount();
    const r = await seg.segment(img, { probabilities: true });
    assert.equal(liveTensorCount(), live, 'no tensor left behind');
    const ref = reference(img);
    assert.deepEqual([r.width, r.height], [33, 29]);
    assert.deepEqual(r.labels, ref.labels);
    assert.ok(maxAbsDiff(r.probabilities!, ref.probabilities) < 1e-5);
    // without probabilities: argmax of the logits, the same labels
    assert.deepEqual((await seg.segment(img)).labels, ref.labels);
  });

  it('flip and scales: the TTA of predictProbabilities() within 1e-4', async () => {
    const opts = { scales: [0.75, 1.25], flip: true };
    const r = await seg.segment(img, { ...opts, probabilities: true });
    const ref = reference(img, opts);
    assert.ok(maxAbsDiff(r.probabilities!, ref.probabilities) < 1e-4);
    // labels: the argmax of the same probabilities, except where two classes tie within rounding
    const diff = r.labels.filter((v, i) => v !== ref.labels[i]).length;
    assert.ok(diff <= 2, `${diff} labels differ`);
  });

  it('slide with a crop covering the image equals whole', async () => {
    const whole = await seg.segment(img, { probabilities: true });
    const slide = await seg.segment(img, { mode: 'slide', crop: [64, 64], stride: [32, 32], probabilities: true });
    assert.deepEqual(slide.labels, whole.labels);
    assert.deepEqual(slide.probabilities, whole.probabilities);
  });

  it('segmentMany over files of two sizes keeps the order and batches equal sizes', async () => {
    const files = [randomImage(40, 32, 2), randomImage(28, 24, 3), randomImage(40, 32, 4)].map((im, i) => {
      const f = path.join(dir, 'many', `${i}.png`);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      return { f, im };
    });
    for (const { f, im } of files) await sharp(im.data, { raw: { width: im.width, height: im.height, channels: 3 } }).toFile(f);
    const progress: [number, number | undefined][] = [];
    const results = [];
    for await (const r of seg.segmentMany(
      files.map((x) => x.f),
      { batchSize: 2, probabilities: true, onProgress: (d, t) => progress.push([d, t]) },
    ))
      results.push(r);
    assert.deepEqual(
      results.map((r) => [r.width, r.height]),
      [
        [40, 32],
        [28, 24],
        [40, 32],
      ],
    );
    assert.deepEqual(progress, [
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    for (let i = 0; i < 3; i++) {
      const one = await seg.segment(files[i]!.im, { probabilities: true });
      assert.ok(maxAbsDiff(results[i]!.probabilities!, one.probabilities!) < 1e-5, `image ${i}`);
    }
    assert.equal(seg.colorize(results[0]!).length, 40 * 32 * 3);
    assert.equal(seg.overlay(results[1]!, files[1]!.im, 0.5).length, 28 * 24 * 3);
  });

  it('refuses bad options naming the field', async () => {
    await assert.rejects(seg.segment(img, { mode: 'slide' }), /crop: slide mode needs crop/);
    await assert.rejects(seg.segment(img, { crop: [8, 8] }), /crop and stride are slide-mode options/);
    await assert.rejects(seg.segment(img, { scales: [0] }), /scales\[0\]/);
    await assert.rejects(Segmenter.load(ckpt, { device: 'gpu' }), /device: expected cpu, cuda or cuda:N/);
    assert.throws(() => withLabelSpace(ckpt, seg.info, 'vkitti'), /labelSpace vkitti differs from the label space vkitti-kitti/);
    const unnamed = modelInfo('m.pth', null, 10, 8);
    assert.equal(withLabelSpace('m.pth', unnamed, 'vkitti-kitti').classNames[0], 'road');
    await assert.rejects(Segmenter.load(path.join(dir, 'x.onnx')), /no such file or directory, open '.*x\.onnx'/);
  });
});

describe('Segmenter on the ONNX export of the same checkpoint (onnxruntime-node)', () => {
  it('gives the libtorch Segmenter’s probabilities, whole and in sliding windows', async () => {
    const file = path.join(dir, 'tiny.onnx');
    await exportCheckpointToOnnx(ckpt, file, { outputStride: seg.info.outputStride as 8 | 16 });
    const onnx = await Segmenter.load(file, { threads: 1 });
    try {
      assert.equal(onnx.engine, 'onnxruntime');
      assert.deepEqual(onnx.info, seg.info);
      const img = randomImage(45, 37, 5);
      for (const opts of [{}, { mode: 'slide' as const, crop: [24, 32] as Size2, stride: [16, 16] as Size2 }]) {
        const [a, b] = [await onnx.segment(img, { ...opts, probabilities: true }), await seg.segment(img, { ...opts, probabilities: true })];
        assert.ok(maxAbsDiff(a.probabilities!, b.probabilities!) < 1e-4, JSON.stringify(opts));
      }
    } finally {
      await onnx.dispose();
    }
  });
});

/**
 * A fake engine whose logits make sliding windows checkable exactly: channel 0 is the input's channel 0 (placement),
 * channel 1 the crop's running number (which windows averaged into a pixel), channel 2 constant 1 (the count).
 */
function fakeBackend(calls: number[][]): SegmentationBackend {
  let crops = 0;
  return {
    engine: 'libtorch',
    info: { ...modelInfo('fake', null, 3, 8), mean: [0, 0, 0], std: [1, 1, 1] },
    async run(x: HostTensor): Promise<HostTensor> {
      calls.push([...x.shape]);
      const [n, , h, w] = x.shape;
      const out = new Float32Array(n * 3 * h * w);
      for (let b = 0; b < n; b++, crops++) {
        const hw = h * w;
        out.set(x.data.subarray(b * 3 * hw, b * 3 * hw + hw), b * 3 * hw);
        out.fill(crops, (b * 3 + 1) * hw, (b * 3 + 2) * hw);
        out.fill(1, (b * 3 + 2) * hw, (b * 3 + 3) * hw);
      }
      return { data: out, shape: [n, 3, h, w] };
    },
    dispose() {},
  };
}

/** mmseg's slide_inference loop, transcribed, for the fake backend's channel 1: the mean crop number per pixel. */
function mmsegMeanWindowIndex(hImg: number, wImg: number, crop: Size2, stride: Size2): Float64Array {
  const [hCrop, wCrop] = crop;
  const [hStride, wStride] = stride;
  const hGrids = Math.floor(Math.max(hImg - hCrop + hStride - 1, 0) / hStride) + 1;
  const wGrids = Math.floor(Math.max(wImg - wCrop + wStride - 1, 0) / wStride) + 1;
  const preds = new Float64Array(hImg * wImg);
  const count = new Float64Array(hImg * wImg);
  let k = 0;
  for (let hIdx = 0; hIdx < hGrids; hIdx++) {
    for (let wIdx = 0; wIdx < wGrids; wIdx++, k++) {
      let y1 = hIdx * hStride;
      let x1 = wIdx * wStride;
      const y2 = Math.min(y1 + hCrop, hImg);
      const x2 = Math.min(x1 + wCrop, wImg);
      y1 = Math.max(y2 - hCrop, 0);
      x1 = Math.max(x2 - wCrop, 0);
      for (let y = y1; y < y2; y++)
        for (let x = x1; x < x2; x++) {
          preds[y * wImg + x]! += k;
          count[y * wImg + x]! += 1;
        }
    }
  }
  assert.ok(count.every((c) => c > 0));
  return preds.map((p, i) => p / count[i]!);
}

describe('sliding windows (mmseg slide_inference)', () => {
  it('windows of a 5x7 image, crop 3x4, stride 2x2: the last ones shifted back inside', () => {
    assert.deepEqual(
      slideWindows(5, 7, [3, 4], [2, 2]).map((w) => [w.y1, w.y2, w.x1, w.x2]),
      [
        [0, 3, 0, 4],
        [0, 3, 2, 6],
        [0, 3, 3, 7],
        [2, 5, 0, 4],
        [2, 5, 2, 6],
        [2, 5, 3, 7],
      ],
    );
    // a crop larger than the image: one window, the image itself (no padding)
    assert.deepEqual(slideWindows(5, 7, [8, 10], [4, 4]), [{ y1: 0, y2: 5, x1: 0, x2: 7 }]);
  });

  const cases: { h: number; w: number; crop: Size2; stride: Size2; batchSize: number }[] = [
    { h: 5, w: 7, crop: [3, 4], stride: [2, 2], batchSize: 1 },
    { h: 11, w: 13, crop: [4, 5], stride: [3, 2], batchSize: 4 }, // sizes no multiple of the stride
    { h: 6, w: 9, crop: [8, 4], stride: [8, 3], batchSize: 3 }, // crop taller than the image
    { h: 4, w: 5, crop: [6, 6], stride: [4, 4], batchSize: 2 }, // image smaller than the crop
  ];
  for (const c of cases) {
    it(`${c.h}x${c.w}, crop ${c.crop.join('x')}, stride ${c.stride.join('x')}: logits placed and averaged as mmseg's loop does`, async () => {
      const calls: number[][] = [];
      const seg = Segmenter.fromBackend(fakeBackend(calls));
      const img = randomImage(c.w, c.h, 9);
      const r = await seg.segment(img, { mode: 'slide', crop: c.crop, stride: c.stride, batchSize: c.batchSize });
      // labels: the largest of (red / 255, mean window number, 1)
      const meanK = mmsegMeanWindowIndex(c.h, c.w, c.crop, c.stride);
      const expected = Uint8Array.from(meanK, (k, i) => {
        const red = img.data[3 * i]! / 255;
        const v = [red, k, 1];
        return v.indexOf(Math.max(...v));
      });
      assert.deepEqual(r.labels, expected);
      const windows = slideWindows(c.h, c.w, c.crop, c.stride).length;
      assert.equal(
        calls.reduce((s, x) => s + x[0]!, 0),
        windows,
      );
      assert.ok(calls.every((x) => x[0]! <= c.batchSize));
    });
  }

  it('segmentMany batches images of equal size together and yields them in order', async () => {
    const calls: number[][] = [];
    const seg = Segmenter.fromBackend(fakeBackend(calls));
    const imgs = [randomImage(6, 4, 1), randomImage(5, 5, 2), randomImage(6, 4, 3)];
    const out = [];
    for await (const r of seg.segmentMany(imgs, { batchSize: 2 })) out.push(r);
    assert.deepEqual(calls, [
      [2, 3, 4, 6],
      [1, 3, 5, 5],
    ]);
    assert.deepEqual(
      out.map((r) => [r.width, r.height]),
      imgs.map((im) => [im.width, im.height]),
    );
  });

  it('averages exactly: the probabilities are the softmax of the averaged logits', async () => {
    const seg = Segmenter.fromBackend(fakeBackend([]));
    const c = cases[1]!;
    const img = randomImage(c.w, c.h, 5);
    const r = await seg.segment(img, { mode: 'slide', crop: c.crop, stride: c.stride, probabilities: true });
    const meanK = mmsegMeanWindowIndex(c.h, c.w, c.crop, c.stride);
    const hw = c.h * c.w;
    for (let i = 0; i < hw; i++) {
      const v = [img.data[3 * i]! / 255, meanK[i]!, 1];
      const m = Math.max(...v);
      const e = v.map((x) => Math.exp(x - m));
      const s = e.reduce((a, b) => a + b);
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(r.probabilities![k * hw + i]! - e[k]! / s) < 1e-6, `pixel ${i} class ${k}`);
    }
  });
});
