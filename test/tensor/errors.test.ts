import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Device, DType } from '../../src/tensor/index.js';
import * as T from '../../src/tensor/index.js';

const { F } = T;

/** Asserts fn throws a plain JS Error whose message matches re and carries no C++ backtrace. */
function throwsClean(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, 'a JS Error');
    assert.match(e.message, re);
    assert.ok(!e.message.includes('Exception raised from'), `no backtrace in: ${e.message}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

describe('errors become JS Errors and the process survives', () => {
  it('shape mismatches carry libtorch messages', () => {
    T.tidy(() => {
      throwsClean(
        () => F.conv2d(T.ones([1, 4, 5, 5]), T.ones([8, 3, 3, 3]), null),
        /Given groups=1, weight of size \[8, 3, 3, 3\], expected input\[1, 4, 5, 5\] to have 3 channels, but got 4 channels instead/,
      );
      throwsClean(() => T.ones([2, 3]).matmul(T.ones([2, 3])), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
      throwsClean(() => T.ones([2, 3]).add(T.ones([4])), /size of tensor a \(3\) must match the size of tensor b \(4\)/);
      throwsClean(() => T.ones([6]).view([4]), /shape '\[4\]' is invalid for input of size 6/);
      throwsClean(() => F.cat([T.ones([2, 2]), T.ones([3, 3])], 0), /Sizes of tensors must match/);
      throwsClean(() => F.crossEntropy(T.ones([2, 3, 4, 4]), T.zeros([2, 5, 4], { dtype: 'int64' })), /size/);
    });
  });

  it('wrong dtypes', () => {
    T.tidy(() => {
      // float targets are class probabilities in torch 1.13: shapes must then match
      throwsClean(() => F.crossEntropy(T.ones([2, 3, 4, 4]), T.zeros([2, 4, 4])), /./);
      throwsClean(() => F.bincount(T.ones([3]), 0), /"bincount_cpu" not implemented for 'Float'/);
      throwsClean(() => T.ones([3]).indexSelect(0, T.ones([2])), /index_select\(\): Expected dtype int/);
      throwsClean(() => F.oneHot(T.ones([2]), 3), /one_hot is only applicable to index tensor/);
      throwsClean(() => T.ones([2], { dtype: 'int64', requiresGrad: true }), /floating point/);
    });
  });

  it('bad arguments: dtype and device strings, element counts, out of range indices', () => {
    T.tidy(() => {
      throwsClean(() => T.zeros([2], { dtype: 'float99' as DType }), /unknown dtype 'float99'/);
      throwsClean(() => T.zeros([2], { device: 'tpu' as Device }), /unknown device 'tpu' \(expected cpu, cuda or cuda:N\)/);
      if (!T.cudaIsAvailable()) throwsClean(() => T.zeros([2], { device: 'cuda' }), /CUDA is not available/);
      throwsClean(() => T.ones([2]).to('cuda:x' as Device), /unknown device 'cuda:x'/);
      throwsClean(() => T.tensor([1, 2, 3], [2]), /shape \[2\] needs 2 elements, got 3/);
      throwsClean(() => T.fromBuffer(new Uint8Array(5), [2], 'float32'), /needs 8 bytes, got 5/);
      throwsClean(() => T.zeros([-1]), /negative size/);
      throwsClean(() => T.ones([2, 3]).select(0, 5), /select\(\): index 5 out of range for tensor of size \[2, 3\] at dimension 0/);
      throwsClean(() => T.ones([2, 3]).size(2), /Dimension out of range/);
      throwsClean(() => T.ones([2]).sum(3), /Dimension out of range/);
      throwsClean(() => T.ones([2]).indexSelect(0, T.tensor([7])), /out of range|out of bounds/);
      throwsClean(() => T.ones([2]).item(), /2 elements cannot be converted/);
      throwsClean(() => F.interpolate(T.ones([1, 1, 2, 2]), { size: [2, 2] }, 'bicubic' as 'nearest'), /unknown mode 'bicubic'/);
      throwsClean(() => F.crossEntropy(T.ones([1, 2]), T.tensor([0]), { reduction: 'avg' as 'mean' }), /unknown reduction 'avg'/);
      throwsClean(() => T.setNumThreads(0), /positive/);
    });
  });

  it('use after dispose', () => {
    const t = T.ones([2]);
    t.dispose();
    assert.equal(t.isDisposed, true);
    t.dispose(); // idempotent
    throwsClean(() => t.add(1), /^tensor used after dispose\(\)$/);
    throwsClean(() => T.ones([2]).add(t), /^tensor used after dispose\(\)$/);
    throwsClean(() => t.toArray(), /^tensor used after dispose\(\)$/);
    throwsClean(() => F.cat([T.ones([1]), t]), /^tensor used after dispose\(\)$/);
    throwsClean(() => t.requiresGrad, /^tensor used after dispose\(\)$/);
    assert.deepEqual(t.shape, [2]); // cached metadata stays readable
  });

  it('the process keeps working after many errors', () => {
    for (let i = 0; i < 200; i++) {
      assert.throws(() => T.tidy(() => T.ones([2, 3]).matmul(T.ones([2, 3]))));
    }
    assert.equal(
      T.tidy(() => T.ones([2, 2]).sum().item()),
      4,
    );
  });
});
