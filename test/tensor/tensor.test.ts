import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as T from '../../src/tensor/index.js';
import { nums } from './helpers.js';

/** x.grad, read through a call so that tsc does not narrow the getter after an assert.equal on it. */
function gradOf(x: T.Tensor): T.Tensor | null {
  return x.grad;
}

describe('Tensor', () => {
  it('shape is frozen at run time and readonly at type level', () => {
    T.tidy(() => {
      const t = T.zeros([2, 3]);
      // @ts-expect-error Tensor.shape is `readonly number[]`: tsc fails here if it is ever typed mutable again
      assert.throws(() => t.shape.push(4), TypeError);
      assert.deepEqual(t.shape, [2, 3]);
      // the readonly shape goes straight back into the creation and shape functions
      assert.deepEqual(T.ones(t.shape).reshape(t.shape).shape, [2, 3]);
    });
  });

  it('grad is the same handle on every read while libtorch keeps the gradient, and belongs to its tensor', () => {
    const base = T.liveTensorCount();
    const x = T.ones([3], { requiresGrad: true });
    assert.equal(gradOf(x), null);
    T.tidy(() => x.mul(2).sum().backward());
    const g = gradOf(x)!;
    assert.equal(gradOf(x), g);
    // reading it inside a tidy neither disposes it nor leaves anything behind
    T.tidy(() => assert.deepEqual(nums(gradOf(x)!.toArray()), [2, 2, 2]));
    assert.equal(g.isDisposed, false);
    assert.equal(T.liveTensorCount(), base + 2, 'x and its one grad handle');
    // backward accumulates into the same gradient tensor: same handle, new values
    T.tidy(() => x.sum().backward());
    assert.equal(gradOf(x), g);
    assert.deepEqual(nums(g.toArray()), [3, 3, 3]);
    g.zero_();
    assert.equal(gradOf(x), g);
    assert.equal(T.liveTensorCount(), base + 2);
    x.dispose();
    assert.equal(g.isDisposed, true, 'disposed with its tensor');
    assert.equal(T.liveTensorCount(), base);
  });

  it('grad follows setGrad and replaced gradients; a disposed grad handle is replaced on the next read', () => {
    const base = T.liveTensorCount();
    const x = T.ones([2], { requiresGrad: true });
    T.tidy(() => x.sum().backward());
    const g1 = gradOf(x)!;
    x.setGrad(null);
    assert.equal(g1.isDisposed, true);
    assert.equal(gradOf(x), null);
    T.tidy(() => x.mul(3).sum().backward());
    const g2 = gradOf(x)!;
    assert.notEqual(g2, g1);
    assert.deepEqual(nums(g2.toArray()), [3, 3]);
    // setting the handle read from grad back is a no-op, not a dispose
    x.setGrad(g2);
    assert.equal(g2.isDisposed, false);
    assert.equal(gradOf(x), g2);
    T.tidy(() => x.setGrad(T.full([2], 5)));
    assert.equal(g2.isDisposed, true);
    assert.deepEqual(nums(gradOf(x)!.toArray()), [5, 5]);
    gradOf(x)!.dispose();
    const g3 = gradOf(x)!;
    assert.equal(g3.isDisposed, false);
    assert.deepEqual(nums(g3.toArray()), [5, 5]);
    x.dispose();
    assert.equal(T.liveTensorCount(), base);
  });
});
