// OHEM pixel sampling (mmseg's OHEMPixelSampler): the minKept·batch hardest pixels when every pixel is confident,
// every valid pixel at thresh 1 (= the plain cross-entropy), never an ignored pixel, the loss-ranked mode, and the
// mask of a numpy rendering of mmseg's sample() on a fixed tensor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';
import { segmentationLoss } from '../../src/train/loss.js';
import { ohemMask } from '../../src/train/ohem.js';
import { runPython, skipWithoutPythonModules } from '../helpers/python.js';
import { numpyProblemInput, numpyProblemPrelude } from './numpy-problem.js';

const floats = (t: T.Tensor) => [...(t.toArray() as Float32Array)];

/** Logits (N=2, C=3, 4×5) and labels with the first row ignored; `confident`: every valid pixel's class far ahead. */
function problem(confident: boolean) {
  T.manualSeed(11);
  const labels = T.randint(0, 3, [2, 4, 5]);
  labels.narrow(1, 0, 1).fill_(255);
  const noise = T.randn([2, 3, 4, 5]);
  const logits = confident
    ? T.F.oneHot(labels.maskedFill(labels.eq(255), 0), 3)
        .permute([0, 3, 1, 2])
        .float()
        .mul(6)
        .add(noise)
    : noise.mul(2);
  return { logits, labels };
}

/** The ground-truth class probability of each pixel, flattened. */
const gtProb = (logits: T.Tensor, labels: T.Tensor) =>
  floats(
    T.F.softmax(logits, 1)
      .gather(1, labels.maskedFill(labels.eq(255), 0).unsqueeze(1))
      .flatten(),
  );

test('every pixel confident: exactly minKept × batch pixels, the least confident ones', () => {
  T.tidy(() => {
    const { logits, labels } = problem(true);
    const valid = [...(labels.ne(255).flatten().toArray() as Uint8Array)];
    const p = gtProb(logits, labels);
    assert.ok(
      p.every((x, i) => !valid[i] || x > 0.5),
      'the case is confident',
    );
    const mask = floats(ohemMask(logits, labels, { thresh: 0.5, minKept: 3 }, null));
    assert.equal(
      mask.reduce((a, b) => a + b, 0),
      6,
    );
    const kept = p.filter((_, i) => mask[i] === 1);
    const dropped = p.filter((_, i) => mask[i] === 0 && valid[i]);
    assert.ok(Math.max(...kept) < Math.min(...dropped));
  });
});

test('thresh 1: every valid pixel kept, the loss is the plain cross-entropy; ignored pixels never kept', () => {
  T.tidy(() => {
    const { logits, labels } = problem(false);
    const valid = floats(labels.ne(255).float());
    assert.deepEqual(floats(ohemMask(logits, labels, { thresh: 1, minKept: 2 }, null)), valid);
    // loss mode with more to keep than there are valid pixels: all valid, no ignored one
    assert.deepEqual(floats(ohemMask(logits, labels, { thresh: null, minKept: 1000 }, null)), valid);
    const plain = segmentationLoss({ out: logits }, labels).item();
    const ohem = segmentationLoss({ out: logits }, labels, undefined, {
      crossEntropy: 1,
      lovasz: 0,
      classWeights: null,
      ohem: { thresh: 1, minKept: 2 },
    }).item();
    assert.ok(Math.abs(plain - ohem) < 1e-6, `${plain} vs ${ohem}`);
  });
});

test('thresh null: the minKept × batch largest (class-weighted) losses', () => {
  T.tidy(() => {
    const { logits, labels } = problem(false);
    const w = T.tensor([1, 4, 0.5], [3], { dtype: 'float32' });
    const loss = floats(T.F.crossEntropy(logits, labels, { ignoreIndex: 255, reduction: 'none', weight: w }).flatten());
    const mask = floats(ohemMask(logits, labels, { thresh: null, minKept: 4 }, w));
    assert.equal(
      mask.reduce((a, b) => a + b, 0),
      8,
    );
    const kept = loss.filter((_, i) => mask[i] === 1);
    const valid = [...(labels.ne(255).flatten().toArray() as Uint8Array)];
    assert.ok(Math.min(...kept) > Math.max(...loss.filter((_, i) => mask[i] === 0 && valid[i])));
    // the mean runs over the kept pixels, weighted: Σ w·CE / Σ w
    const loss2 = segmentationLoss({ out: logits }, labels, undefined, { crossEntropy: 1, lovasz: 0, classWeights: w, ohem: { thresh: null, minKept: 4 } });
    const lab = [...(labels.flatten().toArray() as BigInt64Array)].map(Number);
    const wv = [1, 4, 0.5];
    const num = loss.reduce((a, l, i) => a + (mask[i]! ? l : 0), 0);
    const den = lab.reduce((a, c, i) => a + (mask[i]! ? wv[c]! : 0), 0);
    assert.ok(Math.abs(loss2.item() - num / den) < 1e-5);
  });
});

test('the mask of a numpy rendering of mmseg OHEMPixelSampler.sample', { skip: skipWithoutPythonModules('numpy') }, () => {
  T.tidy(() => {
    const { logits, labels } = problem(false);
    // mmseg/structures/sampler/ohem_pixel_sampler.py, thresh mode and loss mode, in numpy
    const py = `${numpyProblemPrelude('float32')}
def sample(thresh, min_kept):
    batch_kept = min_kept * n
    valid = y != 255
    weight = np.zeros(y.shape, np.float32)
    e = np.exp(x - x.max(1, keepdims=True)); prob = e / e.sum(1, keepdims=True)
    yy = np.where(valid, y, 0)
    if thresh is not None:
        p = np.take_along_axis(prob, yy[:, None], 1)[:, 0]
        sp = np.sort(p[valid])
        thr = max(sp[min(batch_kept, sp.size - 1)], thresh) if sp.size > 0 else thresh
        vw = (p[valid] < thr).astype(np.float32)
    else:
        loss = -np.log(np.take_along_axis(prob, yy[:, None], 1)[:, 0])
        order = np.argsort(-loss[valid], kind='stable')
        vw = np.zeros(valid.sum(), np.float32); vw[order[:batch_kept]] = 1
    weight[valid] = vw
    return weight.ravel().tolist()
print(json.dumps([sample(0.7, 3), sample(0.3, 3), sample(None, 5)]))
`;
    const [a, b, c] = JSON.parse(runPython(py, { input: numpyProblemInput(logits, labels) })) as number[][];
    assert.deepEqual(floats(ohemMask(logits, labels, { thresh: 0.7, minKept: 3 }, null)), a);
    assert.deepEqual(floats(ohemMask(logits, labels, { thresh: 0.3, minKept: 3 }, null)), b);
    assert.deepEqual(floats(ohemMask(logits, labels, { thresh: null, minKept: 5 }, null)), c);
  });
});
