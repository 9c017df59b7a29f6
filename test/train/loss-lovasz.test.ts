// Lovász-softmax: 1 − IoU (mean over present classes) for crisp predictions, ignored pixels removed, a numpy
// rendering of the reference lovasz_softmax_flat (classes='present', per_image=False) on a random case, a finite
// non-zero gradient, and how it adds to the cross-entropy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';
import { segmentationLoss } from '../../src/train/loss.js';
import { lovaszGrad, lovaszSoftmax } from '../../src/train/lovasz.js';
import { runPython, skipWithoutPythonModules } from '../helpers/python.js';
import { numpyProblemInput, numpyProblemPrelude } from './numpy-problem.js';

const floats = (t: T.Tensor) => [...(t.toArray() as Float32Array)];

/** Logits (1, C, 1, P) that predict `pred` with certainty. */
function crisp(pred: number[], c: number): T.Tensor {
  return T.F.oneHot(T.tensor(pred, [1, 1, pred.length]), c)
    .permute([0, 3, 1, 2])
    .float()
    .mul(60);
}

test('lovasz_grad: the Jaccard increments along the sorted ground truth', () => {
  T.tidy(() => {
    // gt sorted [1, 0, 1]: gts 2; J = 1 − (2 − cumsum)/(2 + cumsum(1 − gt)) = [1/2, 2/3, 1] -> diffs [1/2, 1/6, 1/3]
    const g = floats(lovaszGrad(T.tensor([1, 0, 1], [3], { dtype: 'float32' })));
    for (const [i, x] of [0.5, 1 / 6, 1 / 3].entries()) assert.ok(Math.abs(g[i]! - x) < 1e-6, `${g}`);
  });
});

test('crisp predictions: the mean over present classes of 1 − IoU; ignored pixels removed', () => {
  T.tidy(() => {
    // labels [0, 1, 1, 1], prediction [0, 0, 1, 1]: class 0 IoU 1/2, class 1 IoU 2/3; class 2 absent
    const v = lovaszSoftmax(crisp([0, 0, 1, 1], 3), T.tensor([0, 1, 1, 1], [1, 1, 4])).item();
    assert.ok(Math.abs(v - (0.5 + 1 / 3) / 2) < 1e-6, `${v}`);
    // one pixel per class, all right: 0; all wrong: 1
    assert.ok(Math.abs(lovaszSoftmax(crisp([0, 1, 2], 3), T.tensor([0, 1, 2], [1, 1, 3])).item()) < 1e-6);
    assert.ok(Math.abs(lovaszSoftmax(crisp([1, 2, 0], 3), T.tensor([0, 1, 2], [1, 1, 3])).item() - 1) < 1e-6);
    // an ignored pixel predicted as class 2 changes nothing
    const w = lovaszSoftmax(crisp([0, 0, 1, 1, 2], 3), T.tensor([0, 1, 1, 1, 255], [1, 1, 5])).item();
    assert.ok(Math.abs(w - v) < 1e-6, `${w} vs ${v}`);
    // nothing labelled: 0
    assert.equal(lovaszSoftmax(crisp([0, 1], 3), T.tensor([255, 255], [1, 1, 2])).item(), 0);
  });
});

test('gradient finite and non-zero; Lovász adds to the cross-entropy with its weight, or replaces it', () => {
  T.tidy(() => {
    T.manualSeed(5);
    const out = T.randn([2, 4, 5, 6]);
    out.requiresGrad = true;
    const aux = T.randn([2, 4, 5, 6]);
    const labels = T.randint(0, 4, [2, 5, 6]);
    labels.narrow(2, 0, 2).fill_(255);
    lovaszSoftmax(out, labels).backward();
    const g = out.grad!;
    assert.ok(g.isfinite().logicalNot().sum().item() === 0);
    assert.ok(g.abs().sum().item() > 0);
    // ignored pixels get no gradient
    assert.equal(g.narrow(3, 0, 2).abs().sum().item(), 0);
    const ce = segmentationLoss({ out, aux }, labels).item();
    const ceMain = T.F.crossEntropy(out, labels, { ignoreIndex: 255 }).item();
    const lz = lovaszSoftmax(out, labels).item();
    const both = segmentationLoss({ out, aux }, labels, undefined, { crossEntropy: 1, lovasz: 0.5, classWeights: null, ohem: null }).item();
    assert.ok(Math.abs(both - (ce + 0.5 * lz)) < 1e-5);
    // pure Lovász: the aux head keeps its cross-entropy
    const pure = segmentationLoss({ out, aux }, labels, undefined, { crossEntropy: 0, lovasz: 1, classWeights: null, ohem: null }).item();
    assert.ok(Math.abs(pure - (lz + (ce - ceMain))) < 1e-5);
  });
});

test('equals a numpy rendering of lovasz_softmax_flat on a random case', { skip: skipWithoutPythonModules('numpy') }, () => {
  T.tidy(() => {
    T.manualSeed(9);
    const logits = T.randn([2, 5, 6, 7]).mul(2);
    const labels = T.randint(0, 4, [2, 6, 7]); // class 4 absent
    labels.narrow(1, 0, 2).fill_(255);
    // Berman et al.'s lovasz_losses.py semantics, written in numpy
    const py = `${numpyProblemPrelude('float64')}
e = np.exp(x - x.max(1, keepdims=True)); prob = e / e.sum(1, keepdims=True)
probas = prob.transpose(0, 2, 3, 1).reshape(-1, c)
labels = y.reshape(-1)
keep = labels != 255
probas, labels = probas[keep], labels[keep]
def lovasz_grad(gt):
    gts = gt.sum()
    inter = gts - np.cumsum(gt)
    union = gts + np.cumsum(1 - gt)
    j = 1 - inter / union
    j[1:] = j[1:] - j[:-1]
    return j
losses = []
for k in range(c):
    fg = (labels == k).astype(np.float64)
    if fg.sum() == 0:
        continue
    err = np.abs(fg - probas[:, k])
    order = np.argsort(-err, kind='stable')
    losses.append(np.dot(err[order], lovasz_grad(fg[order])))
print(json.dumps(float(np.mean(losses))))
`;
    const ref = JSON.parse(runPython(py, { input: numpyProblemInput(logits, labels) })) as number;
    const v = lovaszSoftmax(logits, labels).item();
    assert.ok(Math.abs(v - ref) < 1e-5, `${v} vs ${ref}`);
  });
});
