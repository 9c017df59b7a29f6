import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfusionMatrix } from '../../src/eval/confusion.js';
import { computeMetrics, countConfusion } from '../../src/eval/metrics.js';
import { cudaIsAvailable, type Device, liveTensorCount, tensor, tidy } from '../../src/tensor/index.js';
import { prng } from '../report/fake-run.js';

/** Random labels in [0, C) with ~10% ignore, and predictions that agree ~70% of the time. */
function randomPair(n: number, c: number, seed: number): { target: Uint8Array; pred: Uint8Array } {
  const rnd = prng(seed);
  const target = new Uint8Array(n);
  const pred = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const t = Math.floor(rnd() * c);
    target[i] = rnd() < 0.1 ? 255 : t;
    pred[i] = rnd() < 0.7 ? t : Math.floor(rnd() * c);
  }
  return { target, pred };
}

const devices: Device[] = cudaIsAvailable() ? ['cpu', 'cuda'] : ['cpu'];

describe('ConfusionMatrix on tensors', () => {
  for (const device of devices) {
    it(`equals a pure-JS count over several batches (${device})`, () => {
      const c = 10;
      const before = liveTensorCount();
      const cm = new ConfusionMatrix(c, device);
      let expected = new Float64Array(c * c);
      let ignored = 0;
      for (let b = 0; b < 3; b++) {
        const { target, pred } = randomPair(2 * 37 * 53, c, 100 + b);
        tidy(() => {
          // N,H,W uint8 labels vs N,H,W int64 predictions, as evaluate() passes them
          cm.update(tensor(target, [2, 37, 53], { dtype: 'uint8', device }), tensor(pred, [2, 37, 53], { dtype: 'int64', device }));
        });
        const host = countConfusion(target, pred, c);
        expected = expected.map((v, i) => v + host[i]!);
        ignored += target.filter((t) => t === 255).length;
      }
      const { matrix, ignored: ig } = cm.toHost();
      assert.deepEqual(Array.from(matrix), Array.from(expected));
      assert.equal(ig, ignored);
      assert.deepEqual(cm.metrics(), computeMetrics(expected));
      cm.dispose();
      assert.equal(liveTensorCount(), before, 'no tensors leaked');
    });
  }

  it('reports labels outside [0, C) that are not the ignore index', () => {
    const cm = new ConfusionMatrix(3);
    tidy(() => cm.update(tensor([0, 7, 255, 1], [4], { dtype: 'int64' }), tensor([0, 1, 2, 1], [4], { dtype: 'int64' })));
    assert.throws(() => cm.compute(), /1 pixels had a target or prediction outside \[0, 3\)/);
    cm.dispose();
  });

  it('merge adds counts; reset zeroes; use after dispose throws', () => {
    const a = new ConfusionMatrix(2);
    const b = new ConfusionMatrix(2);
    tidy(() => {
      a.update(tensor([0, 1], [2], { dtype: 'int64' }), tensor([0, 0], [2], { dtype: 'int64' }));
      b.update(tensor([1, 1], [2], { dtype: 'int64' }), tensor([1, 1], [2], { dtype: 'int64' }));
    });
    a.merge(b);
    assert.deepEqual(Array.from(a.compute()), [1, 0, 1, 2]);
    a.reset();
    assert.deepEqual(Array.from(a.compute()), [0, 0, 0, 0]);
    a.dispose();
    b.dispose();
    assert.throws(() => a.compute(), /after dispose/);
  });

  it('a size mismatch names both shapes', () => {
    const cm = new ConfusionMatrix(2);
    assert.throws(
      () => tidy(() => cm.update(tensor([0, 1, 1], [3], { dtype: 'int64' }), tensor([0, 1], [2], { dtype: 'int64' }))),
      /\[3\] and prediction shape \[2\]/,
    );
    cm.dispose();
  });
});
