// train.loss.classWeights: the two formulas on a hand-built label set, uniform weights = plain cross-entropy,
// the record in the run folder read back on resume, explicit weights of the wrong length refused naming the field.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import type { Dataset } from '../../src/data/dataset.js';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import * as T from '../../src/tensor/index.js';
import { addLabel, type ClassWeightsRecord, classWeightsOf, countClassPixels, emptyHistogram, resolveClassWeights } from '../../src/train/class-weights.js';
import { segmentationLoss } from '../../src/train/loss.js';
import { LossConfigSchema } from '../../src/train/loss-schema.js';

// image A: three pixels of class 0, one of class 1; image B: one of 0, one of 2, two ignored; class 3 absent
const LABELS = [new Uint8Array([0, 0, 0, 1]), new Uint8Array([0, 2, 255, 255])];

function histogram() {
  const h = emptyHistogram(4);
  for (const l of LABELS) addLabel(h, l);
  return h;
}

const close = (a: number[], b: number[]) => {
  for (const [i, x] of a.entries()) assert.ok(Math.abs(x - b[i]!) < 1e-9, `${a} vs ${b}`);
};

test('counts: class pixels and the labelled pixels of the images each class appears in (ignore excluded)', () => {
  const h = histogram();
  assert.deepEqual(h.pixels, [4, 1, 1, 0]);
  // class 0 in A (4 labelled) and B (2 labelled); class 1 in A; class 2 in B
  assert.deepEqual(h.imagePixels, [6, 4, 2, 0]);
  assert.throws(() => addLabel(emptyHistogram(2), new Uint8Array([0, 5])), /label value 5 is outside the 2 classes/);
});

test('median-frequency (Eigen & Fergus) and inverse-log (ENet) by hand; absent classes 0; maxWeight clamps', () => {
  const h = histogram();
  // f = [4/6, 1/4, 1/2], median 1/2 -> w = 0.5 / f
  close(classWeightsOf('median-frequency', h), [0.75, 2, 1, 0]);
  // p = [4/6, 1/6, 1/6]: w = 1 / ln(1.02 + p)
  const inv = [1 / Math.log(1.02 + 4 / 6), 1 / Math.log(1.02 + 1 / 6), 1 / Math.log(1.02 + 1 / 6), 0];
  close(classWeightsOf('inverse-log', h), inv);
  close(classWeightsOf('inverse-log', h, 1.9), [Math.min(inv[0]!, 1.9), 1.9, 1.9, 0]);
  assert.ok(Math.abs(inv[0]! - 1.91294) < 1e-5 && Math.abs(inv[1]! - 5.84289) < 1e-5, `${inv}`);
});

test('uniform class weights give the plain cross-entropy (value and gradient)', () => {
  T.tidy(() => {
    T.manualSeed(3);
    const out = T.randn([2, 4, 5, 6]);
    out.requiresGrad = true;
    const labels = T.randint(0, 4, [2, 5, 6]);
    labels.narrow(1, 0, 1).fill_(255);
    const plain = segmentationLoss({ out }, labels);
    plain.backward();
    const g0 = out.grad!.clone();
    out.setGrad(null);
    const ones = T.ones([4]);
    const weighted = segmentationLoss({ out }, labels, undefined, { crossEntropy: 1, lovasz: 0, classWeights: ones, ohem: null });
    weighted.backward();
    assert.ok(Math.abs(plain.item() - weighted.item()) < 1e-6);
    assert.ok(g0.sub(out.grad!).abs().amax().item() < 1e-7);
    // weights scale the classes' pixels: class 0 weighted up moves the loss towards class 0's mean CE
    const w = T.tensor([5, 1, 1, 1], [4], { dtype: 'float32' });
    const byTorch = T.F.crossEntropy(out, labels, { ignoreIndex: 255, weight: w }).item();
    assert.equal(segmentationLoss({ out }, labels, undefined, { crossEntropy: 1, lovasz: 0, classWeights: w, ohem: null }).item(), byTorch);
  });
});

test('class weights on the debias soft target: uniform ones give the unweighted soft loss', () => {
  T.tidy(() => {
    T.manualSeed(8);
    const out = T.randn([2, 4, 5, 6]);
    const labels = T.randint(0, 4, [2, 5, 6]);
    labels.narrow(1, 0, 1).fill_(255);
    const texture = { labels: labels.clone(), shapeWeight: 0.8 };
    texture.labels.narrow(2, 0, 3).copy_(T.randint(0, 4, [2, 5, 3]));
    texture.labels.narrow(1, 0, 1).fill_(255);
    const plain = segmentationLoss({ out }, labels, texture).item();
    const ones = segmentationLoss({ out }, labels, texture, { crossEntropy: 1, lovasz: 0, classWeights: T.ones([4]).mul(3), ohem: null }).item();
    assert.ok(Math.abs(plain - ones) < 1e-6, `${plain} vs ${ones}`);
  });
});

/** A dataset of the hand-built labels that counts its label reads. */
function fakeDataset(): Dataset & { reads: number } {
  const ds = {
    layout: 'kitti' as const,
    root: '/nowhere',
    labelSpace: getLabelSpace('vkitti-kitti'),
    length: LABELS.length,
    reads: 0,
    list: () => [],
    fileList: () => [],
    load: () => Promise.reject(new Error('images are not read for class counts')),
    loadLabel(i: number) {
      ds.reads++;
      return Promise.resolve(Buffer.from(LABELS[i]!));
    },
  };
  return ds;
}

test('the weights are recorded in the run folder and read back on resume instead of recounted', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-cw-'));
  try {
    const file = path.join(dir, 'class-weights.json');
    const ds = fakeDataset();
    const lines: string[] = [];
    const base = { trainSet: ds, numClasses: 4, file, write: true, log: (m: string) => lines.push(m) };
    const loss = LossConfigSchema.parse({ classWeights: 'median-frequency' });
    const first = await resolveClassWeights({ ...base, loss, resume: false });
    assert.equal(ds.reads, 2);
    close(first!.weights, [0.75, 2, 1, 0]);
    assert.match(lines.at(-1)!, /train\.loss\.classWeights median-frequency: .* 0\.750, .* 2\.000/);
    const recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as ClassWeightsRecord;
    assert.deepEqual(recorded.weights, first!.weights);
    // what a resume uses is the record's, not a recount: tamper with it and see it come back
    fs.writeFileSync(file, JSON.stringify({ ...recorded, weights: [9, 9, 9, 9] }));
    const resumed = await resolveClassWeights({ ...base, loss, resume: true });
    assert.equal(ds.reads, 2, 'no label read again');
    assert.deepEqual(resumed!.weights, [9, 9, 9, 9]);
    assert.match(lines.join('\n'), /read back from/);
    // another formula on resume: recomputed from the recorded counts, still without reading labels
    const other = await resolveClassWeights({ ...base, loss: LossConfigSchema.parse({ classWeights: 'inverse-log', maxWeight: 1.9 }), resume: true });
    assert.equal(ds.reads, 2);
    close(other!.weights, classWeightsOf('inverse-log', histogram(), 1.9));
    // explicit weights are recorded as given; none records nothing
    const explicit = await resolveClassWeights({ ...base, loss: LossConfigSchema.parse({ classWeights: [1, 2, 3, 4] }), resume: false });
    assert.deepEqual(explicit!.weights, [1, 2, 3, 4]);
    assert.equal(await resolveClassWeights({ ...base, loss: LossConfigSchema.parse({}), resume: false }), null);
    // the counting reads labels only, through the dataset
    assert.deepEqual((await countClassPixels(fakeDataset(), 4)).pixels, [4, 1, 1, 0]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('config: explicit weights of the wrong length and a clamp without a formula are refused naming the field', () => {
  const data = { layout: 'kitti', root: '/data', labelSpace: 'vkitti-kitti' };
  const n = getLabelSpace('vkitti-kitti').numClasses;
  const cfg = (loss: unknown) => () => parseConfig({ data: { train: data }, train: { loss } });
  assert.throws(cfg({ classWeights: [1, 2] }), new RegExp(`train\\.loss\\.classWeights: expected ${n} weights .*got 2`));
  assert.doesNotThrow(cfg({ classWeights: new Array(n).fill(1) }));
  assert.throws(cfg({ classWeights: 'none', maxWeight: 3 }), /train\.loss\.maxWeight/);
  assert.throws(cfg({ classWeights: 'median' }), /train\.loss\.classWeights/);
  assert.throws(cfg({ classWeights: [1, -1] }), /train\.loss\.classWeights/);
});
