// sort / argsort / cumsum / gather (torch's names and semantics), and autograd through sorted values and gather.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as T from '../../src/tensor/index.js';
import { nums } from './helpers.js';

test('sort: values and int64 indices along a dim, ascending and descending', () => {
  T.tidy(() => {
    const x = T.tensor([3, 1, 2, 0.5, 5, 4], [2, 3], { dtype: 'float32' });
    const up = x.sort(1);
    assert.deepEqual(nums(up.values.toArray()), [1, 2, 3, 0.5, 4, 5]);
    assert.equal(up.indices.dtype, 'int64');
    assert.deepEqual(nums(up.indices.toArray()), [1, 2, 0, 0, 2, 1]);
    const down = x.sort(0, true);
    assert.deepEqual(nums(down.values.toArray()), [3, 5, 4, 0.5, 1, 2]);
    assert.deepEqual(nums(down.indices.toArray()), [0, 1, 1, 1, 0, 0]);
    // stable: equal elements keep their order
    assert.deepEqual(nums(T.tensor([2, 1, 2, 1], [4], { dtype: 'float32' }).sort(0, false, true).indices.toArray()), [1, 3, 0, 2]);
    assert.deepEqual(nums(x.flatten().argsort(0, true).toArray()), [4, 5, 0, 2, 1, 3]);
    assert.throws(() => x.sort(2), /Dimension out of range/);
  });
});

test('cumsum: running sums along a dim; bool and int inputs give int64', () => {
  T.tidy(() => {
    const x = T.tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'float32' });
    assert.deepEqual(nums(x.cumsum(1).toArray()), [1, 3, 6, 4, 9, 15]);
    assert.deepEqual(nums(x.cumsum(0).toArray()), [1, 2, 3, 5, 7, 9]);
    const b = T.tensor([1, 0, 1, 1], [4]).eq(1).cumsum(0);
    assert.equal(b.dtype, 'int64');
    assert.deepEqual(nums(b.toArray()), [1, 1, 2, 3]);
  });
});

test('gather: values at an index along a dim; errors from libtorch', () => {
  T.tidy(() => {
    const x = T.tensor([10, 11, 12, 20, 21, 22], [2, 3], { dtype: 'float32' });
    const i = T.tensor([2, 0, 1, 1], [2, 2]);
    assert.deepEqual(nums(x.gather(1, i).toArray()), [12, 10, 21, 21]);
    assert.deepEqual(nums(x.gather(0, T.tensor([1, 0, 1], [1, 3])).toArray()), [20, 11, 22]);
    assert.throws(() => x.gather(1, T.tensor([3], [1, 1])), /out of bounds/);
  });
});

test('autograd: through sorted values, through gather and indexSelect with the sorting permutation', () => {
  T.tidy(() => {
    const x = T.tensor([0.3, -1, 2, 0.7], [4], { dtype: 'float32' });
    x.requiresGrad = true;
    const w = T.tensor([1, 2, 3, 4], [4], { dtype: 'float32' });
    // sorted descending: 2 (i2), 0.7 (i3), 0.3 (i0), -1 (i1) -> d/dx = w at the sorted position
    const { values, indices } = x.sort(0, true);
    values.mul(w).sum().backward();
    assert.deepEqual(nums(x.grad!.toArray()), [3, 4, 1, 2]);
    x.setGrad(null);
    x.gather(0, indices).mul(w).sum().backward();
    assert.deepEqual(nums(x.grad!.toArray()), [3, 4, 1, 2]);
    x.setGrad(null);
    x.indexSelect(0, indices).mul(w).sum().backward();
    assert.deepEqual(nums(x.grad!.toArray()), [3, 4, 1, 2]);
    assert.equal(indices.requiresGrad, false);
  });
});
