import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as T from '../../src/tensor/index.js';
import { nums } from './helpers.js';

describe('tidy and keep', () => {
  it('disposes intermediates and keeps tensors reachable from the result', () => {
    const base = T.liveTensorCount();
    const out = T.tidy(() => {
      const a = T.ones([2]);
      const b = a.add(1);
      const c = b.mul(2);
      const m = new Map([['c', c]]);
      return { list: [b, { deep: m }], n: 3, s: 'x' };
    });
    assert.equal(T.liveTensorCount(), base + 2);
    const b = out.list[0] as T.Tensor;
    assert.deepEqual(nums(b.toArray()), [2, 2]);
    const c = (out.list[1] as { deep: Map<string, T.Tensor> }).deep.get('c')!;
    assert.deepEqual(nums(c.toArray()), [4, 4]);
    b.dispose();
    c.dispose();
    assert.equal(T.liveTensorCount(), base);
  });

  it('nested tidy hands results to the outer scope; keep exempts a tensor', () => {
    const base = T.liveTensorCount();
    let inner: T.Tensor | undefined;
    let kept: T.Tensor | undefined;
    T.tidy(() => {
      inner = T.tidy(() => T.ones([1]).add(1));
      kept = T.keep(T.ones([1]));
      assert.equal(inner.isDisposed, false);
      return undefined;
    });
    assert.equal(inner!.isDisposed, true);
    assert.equal(kept!.isDisposed, false);
    kept!.dispose();
    assert.equal(T.liveTensorCount(), base);
  });

  it('disposes everything when fn throws, and rejects async functions', () => {
    const base = T.liveTensorCount();
    assert.throws(
      () =>
        T.tidy(() => {
          T.ones([3]);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(T.liveTensorCount(), base);
    assert.throws(() => T.tidy(() => Promise.resolve(T.ones([1]))), /synchronous/);
    assert.equal(T.liveTensorCount(), base);
  });

  it('tensors created outside tidy are untouched; grad handles belong to their tensor, not to the tidy', () => {
    const base = T.liveTensorCount();
    const w = T.ones([2], { requiresGrad: true });
    T.tidy(() => w.mul(3).sum().backward());
    const g = T.tidy(() => {
      const g = w.grad!;
      assert.deepEqual(nums(g.toArray()), [3, 3]);
      return g;
    });
    assert.equal(T.liveTensorCount(), base + 2);
    assert.equal(w.isDisposed, false);
    assert.equal(g.isDisposed, false);
    w.dispose();
    assert.equal(g.isDisposed, true);
    assert.equal(T.liveTensorCount(), base);
  });

  it('Symbol.dispose works with `using`-style disposal', () => {
    const t = T.ones([1]);
    t[Symbol.dispose]();
    assert.equal(t.isDisposed, true);
  });
});
