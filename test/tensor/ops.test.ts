import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as T from '../../src/tensor/index.js';
import { assertClose, nums } from './helpers.js';

const { F } = T;

describe('creation and data in/out', () => {
  it('tensor() infers dtypes like torch.tensor and checks the element count', () => {
    T.tidy(() => {
      assert.equal(T.tensor([1, 2, 3]).dtype, 'int64');
      assert.equal(T.tensor([1.5, 2]).dtype, 'float32');
      assert.equal(T.tensor(new Float32Array([1, 2])).dtype, 'float32');
      assert.equal(T.tensor(new Int32Array([1, 2])).dtype, 'int32');
      assert.equal(T.tensor(new Uint8Array([1, 2])).dtype, 'uint8');
      assert.equal(T.tensor(new BigInt64Array([1n])).dtype, 'int64');
      assert.equal(T.tensor(new Float64Array([0.1])).dtype, 'float32');
      const t = T.tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'float32' });
      assert.deepEqual(t.shape, [2, 3]);
      assert.equal(t.dim(), 2);
      assert.equal(t.numel(), 6);
      assert.equal(t.size(-1), 3);
      assert.deepEqual(nums(t.toArray()), [1, 2, 3, 4, 5, 6]);
      assert.equal(T.tensor([7], []).item(), 7);
      assert.throws(() => T.tensor([1, 2, 3], [2, 2]), /shape \[2, 2\] needs 4 elements, got 3/);
    });
  });

  it('round-trips every dtype through toRaw/fromRaw with exact bytes', () => {
    T.tidy(() => {
      for (const dtype of T.DTYPES) {
        const t = T.tensor([1, 0, 3, 1], [2, 2], { dtype });
        const raw = t.toRaw();
        assert.equal(raw.dtype, dtype);
        assert.deepEqual(raw.shape, [2, 2]);
        assert.equal(raw.data.length, 4 * T.dtypeSize(dtype));
        const back = T.fromRaw(raw);
        assert.equal(back.dtype, dtype);
        assert.deepEqual(nums(back.toArray()), dtype === 'bool' ? [1, 0, 1, 1] : [1, 0, 3, 1]);
      }
      // float16 bit pattern of 1.0 is 0x3c00
      assert.deepEqual([...T.tensor([1], [1], { dtype: 'float16' }).toRaw().data], [0x00, 0x3c]);
    });
  });

  it('fromBuffer copies uint8 HWC images once and permutes like torch', () => {
    T.tidy(() => {
      const hwc = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // H=2, W=2, C=3
      const t = T.fromBuffer(hwc, [1, 2, 2, 3], 'uint8');
      hwc[0] = 99; // the tensor owns a copy
      const chw = t.permute([0, 3, 1, 2]).contiguous();
      assert.deepEqual(chw.shape, [1, 3, 2, 2]);
      assert.deepEqual(nums(chw.toArray()), [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
      assert.throws(() => T.fromBuffer(hwc, [2, 2, 2], 'uint8'), /needs 8 bytes, got 12/);
    });
  });

  it('factories, arange and toArray dtypes', () => {
    T.tidy(() => {
      assert.deepEqual(nums(T.zeros([2]).toArray()), [0, 0]);
      assert.deepEqual(nums(T.ones([2], { dtype: 'int32' }).toArray()), [1, 1]);
      assert.deepEqual(nums(T.full([3], 2.5).toArray()), [2.5, 2.5, 2.5]);
      assert.deepEqual(T.empty([2, 0]).shape, [2, 0]);
      assert.deepEqual(nums(T.arange(4).toArray()), [0, 1, 2, 3]);
      assert.equal(T.arange(4).dtype, 'int64');
      assert.deepEqual(nums(T.arange(1, 2, 0.25).toArray()), [1, 1.25, 1.5, 1.75]);
      assert.deepEqual(nums(T.arange(0, 6, 2, { dtype: 'float32' }).toArray()), [0, 2, 4]);
      const x = T.ones([2, 2]);
      assert.deepEqual(nums(T.zerosLike(x).toArray()), [0, 0, 0, 0]);
      assert.deepEqual(nums(T.onesLike(x).toArray()), [1, 1, 1, 1]);
      assert.ok(T.ones([1]).toArray() instanceof Float32Array);
      assert.ok(T.ones([1], { dtype: 'bfloat16' }).toArray() instanceof Float32Array);
      assert.ok(T.ones([1], { dtype: 'int64' }).toArray() instanceof BigInt64Array);
      assert.ok(T.ones([1], { dtype: 'bool' }).toArray() instanceof Uint8Array);
    });
  });
});

describe('random generators', () => {
  it('manualSeed matches torch.manual_seed(42); torch.rand(3)', () => {
    T.tidy(() => {
      T.manualSeed(42);
      assertClose(T.rand([3]).toArray(), [0.8822692632675171, 0.9150039553642273, 0.38286375999450684], 0, 0);
    });
  });

  it('getRngState/setRngState resume the exact stream (rand, randn, randint, dropout)', () => {
    T.tidy(() => {
      T.manualSeed(7);
      T.randn([10]);
      const state = T.getRngState();
      const draw = () => [
        ...nums(T.rand([4]).toArray()),
        ...nums(T.randn([4]).toArray()),
        ...nums(T.randint(0, 100, [4]).toArray()),
        ...nums(F.dropout(T.ones([16]), 0.5, true).toArray()),
      ];
      const first = draw();
      T.manualSeed(123);
      T.setRngState(state);
      assert.deepEqual(draw(), first);
      assert.throws(() => T.setRngState(new Uint8Array([1, 2, 3])), /truncated|not an RNG state/);
    });
  });
});

describe('arithmetic, comparison and reductions', () => {
  it('broadcasts and mixes numbers like PyTorch', () => {
    T.tidy(() => {
      const a = T.tensor([1, 2, 3, 4], [2, 2], { dtype: 'float32' });
      const b = T.tensor([10, 20], [2], { dtype: 'float32' });
      assert.deepEqual(nums(a.add(b).toArray()), [11, 22, 13, 24]);
      assert.deepEqual(nums(a.add(b, 2).toArray()), [21, 42, 23, 44]);
      assert.deepEqual(nums(a.sub(1).toArray()), [0, 1, 2, 3]);
      assert.deepEqual(nums(a.sub(b, 0.5).toArray()), [-4, -8, -2, -6]);
      assert.deepEqual(nums(a.mul(b).toArray()), [10, 40, 30, 80]);
      assert.deepEqual(nums(a.div(2).toArray()), [0.5, 1, 1.5, 2]);
      assert.deepEqual(nums(a.neg().toArray()), [-1, -2, -3, -4]);
      assert.deepEqual(nums(a.pow(2).toArray()), [1, 4, 9, 16]);
      assertClose(a.sqrt().toArray(), [1, Math.SQRT2, Math.sqrt(3), 2]);
      assertClose(a.rsqrt().toArray(), [1, 1 / Math.SQRT2, 1 / Math.sqrt(3), 0.5]);
      assertClose(a.exp().log().toArray(), [1, 2, 3, 4]);
      assert.deepEqual(nums(a.neg().abs().toArray()), [1, 2, 3, 4]);
      assert.deepEqual(nums(a.clamp(2, 3).toArray()), [2, 2, 3, 3]);
      assert.deepEqual(nums(a.clamp(undefined, 2).toArray()), [1, 2, 2, 2]);
      // int tensor with an integral number stays int; with a fraction promotes to float
      const i = T.tensor([1, 2]);
      assert.equal(i.add(1).dtype, 'int64');
      assert.equal(i.mul(0.5).dtype, 'float32');
      assert.equal(i.div(2).dtype, 'float32');
    });
  });

  it('in-place ops return this and change the data', () => {
    T.tidy(() => {
      const a = T.ones([3]);
      assert.equal(a.add_(1), a);
      assert.deepEqual(nums(a.toArray()), [2, 2, 2]);
      a.sub_(T.tensor([1, 0, 1], [3], { dtype: 'float32' }), 2)
        .mul_(3)
        .div_(2);
      assert.deepEqual(nums(a.toArray()), [0, 3, 0]);
      a.addcmul_(T.full([3], 2), T.full([3], 3), 0.5);
      assert.deepEqual(nums(a.toArray()), [3, 6, 3]);
      a.copy_(T.tensor([5, 6, 7])); // converts dtype
      assert.deepEqual(nums(a.toArray()), [5, 6, 7]);
      a.fill_(4);
      assert.deepEqual(nums(a.toArray()), [4, 4, 4]);
      a.zero_();
      assert.deepEqual(nums(a.toArray()), [0, 0, 0]);
      const r = T.tensor([-1, 2], [2], { dtype: 'float32' });
      assert.equal(F.relu_(r), r);
      assert.deepEqual(nums(r.toArray()), [0, 2]);
    });
  });

  it('comparisons give bool tensors', () => {
    T.tidy(() => {
      const a = T.tensor([1, 2, 3], [3], { dtype: 'float32' });
      const b = T.tensor([3, 2, 1], [3], { dtype: 'float32' });
      assert.equal(a.eq(b).dtype, 'bool');
      assert.deepEqual(nums(a.eq(b).toArray()), [0, 1, 0]);
      assert.deepEqual(nums(a.ne(2).toArray()), [1, 0, 1]);
      assert.deepEqual(nums(a.lt(b).toArray()), [1, 0, 0]);
      assert.deepEqual(nums(a.le(2).toArray()), [1, 1, 0]);
      assert.deepEqual(nums(a.gt(b).toArray()), [0, 0, 1]);
      assert.deepEqual(nums(a.ge(2).toArray()), [0, 1, 1]);
      assert.deepEqual(nums(a.gt(1).logicalAnd(a.lt(3)).toArray()), [0, 1, 0]);
      assert.deepEqual(nums(a.lt(2).logicalOr(a.gt(2)).toArray()), [1, 0, 1]);
      assert.deepEqual(nums(a.lt(2).logicalNot().toArray()), [0, 1, 1]);
      const n = T.tensor([0, NaN, Infinity], [3], { dtype: 'float32' });
      assert.deepEqual(nums(n.isnan().toArray()), [0, 1, 0]);
      assert.deepEqual(nums(n.isfinite().toArray()), [1, 0, 0]);
    });
  });

  it('reductions over all, one or several dims, with keepdim', () => {
    T.tidy(() => {
      const a = T.arange(0, 6, 1, { dtype: 'float32' }).reshape([2, 3]);
      assert.equal(a.sum().item(), 15);
      assert.deepEqual(a.sum().shape, []);
      assert.deepEqual(nums(a.sum(0).toArray()), [3, 5, 7]);
      assert.deepEqual(a.sum(1, true).shape, [2, 1]);
      assert.equal(a.sum([0, 1]).item(), 15);
      assert.equal(a.mean().item(), 2.5);
      assert.deepEqual(nums(a.mean(1).toArray()), [1, 4]);
      assert.equal(a.amax().item(), 5);
      assert.deepEqual(nums(a.amax(0).toArray()), [3, 4, 5]);
      assert.deepEqual(nums(a.amin(1, true).toArray()), [0, 3]);
      assert.equal(a.argmax().item(), 5);
      assert.deepEqual(nums(a.argmax(0).toArray()), [1, 1, 1]);
      assert.deepEqual(a.argmax(1, true).shape, [2, 1]);
    });
  });

  it('shape ops', () => {
    T.tidy(() => {
      const a = T.arange(24, { dtype: 'float32' }).reshape([2, 3, 4]);
      assert.deepEqual(a.view([6, 4]).shape, [6, 4]);
      assert.deepEqual(a.reshape([-1]).shape, [24]);
      assert.deepEqual(a.permute([2, 0, 1]).shape, [4, 2, 3]);
      assert.deepEqual(a.transpose(0, 2).shape, [4, 3, 2]);
      assert.deepEqual(a.unsqueeze(1).shape, [2, 1, 3, 4]);
      assert.deepEqual(a.unsqueeze(1).squeeze(1).shape, [2, 3, 4]);
      assert.deepEqual(T.zeros([1, 2, 1]).squeeze().shape, [2]);
      assert.deepEqual(T.zeros([1, 3]).expand([4, -1]).shape, [4, 3]);
      assert.deepEqual(a.flatten().shape, [24]);
      assert.deepEqual(a.flatten(1).shape, [2, 12]);
      assert.deepEqual(nums(a.narrow(2, 1, 2).select(0, 0).select(0, 0).toArray()), [1, 2]);
      assert.deepEqual(nums(a.select(1, 2).select(0, 1).toArray()), [20, 21, 22, 23]);
      assert.deepEqual(
        nums(
          a
            .select(0, 0)
            .select(0, 0)
            .indexSelect(0, T.tensor([3, 0]))
            .toArray(),
        ),
        [3, 0],
      );
      const m = T.tensor([1, 2, 3, 4], [2, 2], { dtype: 'float32' });
      assert.deepEqual(nums(m.matmul(m).toArray()), [7, 10, 15, 22]);
      assert.deepEqual(nums(m.maskedFill(m.gt(2), -1).toArray()), [1, 2, -1, -1]);
      assert.equal(m.transpose(0, 1).isContiguous(), false);
      assert.equal(m.transpose(0, 1).contiguous().isContiguous(), true);
    });
  });

  it('conversion between dtypes and memory formats', () => {
    T.tidy(() => {
      const a = T.tensor([1.7, -2.2], [2]);
      assert.equal(a.to('float16').dtype, 'float16');
      assert.deepEqual(nums(a.long().toArray()), [1, -2]);
      assert.equal(a.long().float().dtype, 'float32');
      assert.equal(a.to({ dtype: 'bfloat16', device: 'cpu' }).dtype, 'bfloat16');
      assert.equal(a.to('cpu').device, 'cpu');
      const x = T.randn([2, 3, 4, 5]);
      const cl = x.to({ memoryFormat: 'channelsLast' });
      assert.ok(cl.isContiguous('channelsLast'));
      assert.ok(!cl.isContiguous());
      assert.deepEqual(cl.shape, [2, 3, 4, 5]);
      assert.deepEqual(nums(cl.toArray()), nums(x.toArray())); // toArray is row-major regardless of layout
      assert.ok(x.contiguous('channelsLast').isContiguous('channelsLast'));
      const y = F.conv2d(cl, T.randn([6, 3, 3, 3]), null);
      assert.ok(y.isContiguous('channelsLast'));
      const c = x.clone();
      c.add_(1);
      assert.notDeepEqual(nums(c.toArray()), nums(x.toArray()));
    });
  });
});

describe('functional', () => {
  it('conv2d known values (stride, padding, dilation, groups, bias)', () => {
    T.tidy(() => {
      const x = T.arange(16, { dtype: 'float32' }).reshape([1, 1, 4, 4]);
      const w = T.ones([1, 1, 2, 2]);
      assert.deepEqual(nums(F.conv2d(x, w, null, { stride: 2 }).toArray()), [10, 18, 42, 50]);
      const b = T.tensor([1], [1], { dtype: 'float32' });
      assert.deepEqual(F.conv2d(x, w, b, { padding: 1 }).shape, [1, 1, 5, 5]);
      assert.equal(F.conv2d(x, w, b, { padding: [1, 0] }).toArray()[0], 0 + 1 + 1);
      assert.deepEqual(nums(F.conv2d(x, w, null, { dilation: 2, stride: [2, 2] }).toArray()), [0 + 2 + 8 + 10]);
      const x2 = T.ones([1, 2, 3, 3]);
      const wg = T.ones([2, 1, 3, 3]);
      assert.deepEqual(nums(F.conv2d(x2, wg, null, { groups: 2 }).toArray()), [9, 9]);
    });
  });

  it('batchNorm in training updates running stats like torch', () => {
    T.tidy(() => {
      const x = T.tensor([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2, 1], { dtype: 'float32' });
      const rm = T.zeros([2]);
      const rv = T.ones([2]);
      const y = F.batchNorm(x, rm, rv, T.ones([2]), T.zeros([2]), true, 0.1, 1e-5);
      // channel 0 values 1,2,10,20 (mean 8.25), channel 1 values 3,4,30,40 (mean 19.25)
      assertClose(rm.toArray(), [0.825, 1.925], 1e-5);
      const var0 = [1, 2, 10, 20].reduce((s, v) => s + (v - 8.25) ** 2, 0) / 3; // unbiased for running_var
      assertClose([rv.toArray()[0]!], [0.9 + 0.1 * var0], 1e-4);
      assertClose([y.mean([0, 2, 3]).toArray()[0]!], [0], 1e-5);
      const ev = F.batchNorm(x, rm, rv, null, null, false, 0.1, 1e-5);
      assertClose([ev.toArray()[0]!], [(1 - 0.825) / Math.sqrt(0.9 + 0.1 * var0 + 1e-5)], 1e-5);
      assert.throws(() => F.batchNorm(T.ones([1, 2, 1, 1]), null, null, null, null, true, 0.1, 1e-5), /more than 1 value per channel/);
    });
  });

  it('pooling and interpolation', () => {
    T.tidy(() => {
      const x = T.arange(16, { dtype: 'float32' }).reshape([1, 1, 4, 4]);
      assert.deepEqual(nums(F.maxPool2d(x, { kernelSize: 2 }).toArray()), [5, 7, 13, 15]);
      assert.deepEqual(F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }).shape, [1, 1, 2, 2]);
      assert.deepEqual(F.maxPool2d(T.ones([1, 1, 5, 5]), { kernelSize: 2, ceilMode: true }).shape, [1, 1, 3, 3]);
      assert.deepEqual(nums(F.adaptiveAvgPool2d(x, 1).toArray()), [7.5]);
      assert.deepEqual(nums(F.adaptiveAvgPool2d(x, [2, 1]).toArray()), [3.5, 11.5]);
      const small = T.tensor([0, 1, 2, 3], [1, 1, 2, 2], { dtype: 'float32' });
      assert.deepEqual(nums(F.interpolate(small, { size: [3, 3] }, 'bilinear', true).toArray()), [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
      assert.deepEqual(nums(F.interpolate(small, { scaleFactor: 2 }, 'nearest').toArray()), [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
      assert.deepEqual(nums(F.interpolate(small, { size: [2, 4] }, 'bilinear').toArray()), [0, 0.25, 0.75, 1, 2, 2.25, 2.75, 3]);
      assert.throws(() => F.interpolate(small, { size: [3, 3] }, 'nearest', false), /align_corners/);
    });
  });

  it('cat, stack, softmax, logSoftmax, sigmoid, tanh, flip, pad, where, bincount, oneHot', () => {
    T.tidy(() => {
      const a = T.tensor([1, 2], [1, 2], { dtype: 'float32' });
      assert.deepEqual(F.cat([a, a], 0).shape, [2, 2]);
      assert.deepEqual(F.cat([a, a], 1).shape, [1, 4]);
      assert.deepEqual(F.stack([a, a], 1).shape, [1, 2, 2]);
      const s = F.softmax(T.tensor([1, 2, 3], [3], { dtype: 'float32' }), 0);
      assertClose(s.toArray(), [0.09003057, 0.24472847, 0.66524096]);
      assertClose(
        F.logSoftmax(T.tensor([1, 2, 3], [3], { dtype: 'float32' }), -1)
          .exp()
          .toArray(),
        nums(s.toArray()),
      );
      assertClose(F.sigmoid(T.zeros([1])).toArray(), [0.5]);
      assertClose(F.tanh(T.tensor([0.5], [1])).toArray(), [Math.tanh(0.5)]);
      assert.deepEqual(nums(F.flip(T.arange(4).reshape([2, 2]), [1]).toArray()), [1, 0, 3, 2]);
      const p = T.arange(4, { dtype: 'float32' }).reshape([1, 1, 2, 2]);
      assert.deepEqual(nums(F.pad(p, [1, 0], 'constant', 9).toArray()), [9, 0, 1, 9, 2, 3]);
      assert.deepEqual(nums(F.pad(p, [1, 1, 0, 0], 'reflect').toArray()), [1, 0, 1, 0, 3, 2, 3, 2]);
      assert.deepEqual(nums(F.pad(p, [0, 0, 1, 0], 'replicate').toArray()), [0, 1, 0, 1, 2, 3]);
      const c = T.tensor([1, 0, 1], [3], { dtype: 'bool' });
      assert.deepEqual(nums(F.where(c, 5, -5).toArray()), [5, -5, 5]);
      assert.deepEqual(nums(F.where(c, T.arange(3), 0).toArray()), [0, 0, 2]);
      assert.deepEqual(nums(F.bincount(T.tensor([0, 2, 2]), 4).toArray()), [1, 0, 2, 0]);
      assertClose(F.bincount(T.tensor([0, 2, 2]), 0, T.tensor([0.5, 1, 2], [3])).toArray(), [0.5, 0, 3]);
      assert.deepEqual(nums(F.oneHot(T.tensor([2, 0]), 3).toArray()), [0, 0, 1, 1, 0, 0]);
      assert.deepEqual(F.oneHot(T.tensor([2, 0])).shape, [2, 3]);
      assert.deepEqual(nums(F.dropout(T.ones([4]), 0.5, false).toArray()), [1, 1, 1, 1]);
    });
  });

  it('crossEntropy with ignoreIndex, reduction, weight and label smoothing', () => {
    T.tidy(() => {
      const logits = T.zeros([1, 2, 1, 2]); // uniform over 2 classes -> loss ln 2 per pixel
      const target = T.tensor([1, 255], [1, 1, 2]);
      assertClose([F.crossEntropy(logits, target, { ignoreIndex: 255 }).item()], [Math.LN2]);
      assertClose(F.crossEntropy(logits, target, { ignoreIndex: 255, reduction: 'none' }).toArray(), [Math.LN2, 0]);
      assertClose([F.crossEntropy(logits, T.tensor([1, 0], [1, 1, 2]), { reduction: 'sum' }).item()], [2 * Math.LN2]);
      const w = T.tensor([1, 3], [2], { dtype: 'float32' });
      assertClose([F.crossEntropy(logits, T.tensor([1, 0], [1, 1, 2]), { weight: w }).item()], [Math.LN2]);
      assertClose([F.crossEntropy(logits, T.tensor([1, 0], [1, 1, 2]), { labelSmoothing: 0.1 }).item()], [Math.LN2]);
    });
  });

  it('autocast(cpu, bfloat16) runs conv2d in bfloat16 and restores the previous state', () => {
    T.tidy(() => {
      const x = T.randn([1, 3, 8, 8]);
      const w = T.randn([4, 3, 3, 3]);
      const inner = T.autocast('cpu', 'bfloat16', () => F.conv2d(x, w, null));
      assert.equal(inner.dtype, 'bfloat16');
      assert.equal(F.conv2d(x, w, null).dtype, 'float32');
      const nested = T.autocast('cpu', 'bfloat16', () => T.autocast('cpu', 'bfloat16', () => F.conv2d(x, w, null)).add(F.conv2d(x, w, null)));
      assert.equal(nested.dtype, 'bfloat16');
      assert.throws(() => T.autocast('cpu', 'float16', () => 0), /bfloat16/);
      assert.equal(F.conv2d(x, w, null).dtype, 'float32');
    });
  });
});
