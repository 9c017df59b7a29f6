import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchNorm2d, Conv2d, freezeBatchNorm, Module, Sequential, withBatchNormSplit } from '../../src/nn/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { F, noGrad, rand, randn, tidy } from '../../src/tensor/index.js';

const maxAbs = (a: Tensor, b: Tensor): number => tidy(() => a.sub(b).abs().amax().item());

/** Reference batch norm from elementary ops: batch stats (biased var) over N,H,W. */
function reference(x: Tensor, bn: BatchNorm2d): { y: Tensor; mean: Tensor; unbiasedVar: Tensor } {
  return tidy(() => {
    const mean = x.mean([0, 2, 3], true);
    const centered = x.sub(mean);
    const var_ = centered.pow(2).mean([0, 2, 3], true);
    const n = x.numel() / x.shape[1]!;
    const c = x.shape[1]!;
    const y = centered
      .div(var_.add(bn.eps).sqrt())
      .mul(bn.weight!.detach().reshape([1, c, 1, 1]))
      .add(bn.bias!.detach().reshape([1, c, 1, 1]));
    return { y, mean: mean.flatten(), unbiasedVar: var_.flatten().mul(n / (n - 1)) };
  });
}

describe('BatchNorm2d', () => {
  it('trains on batch statistics and updates running stats with momentum 0.1', () => {
    const bn = new BatchNorm2d(3);
    noGrad(() => {
      bn.weight!.copy_(randn([3]));
      bn.bias!.copy_(randn([3]));
    });
    const x = randn([4, 3, 5, 6]);
    const ref = reference(x, bn);
    const y = bn.forward(x);
    assert.ok(maxAbs(y, ref.y) < 1e-5);
    tidy(() => {
      assert.ok(maxAbs(bn.runningMean!, ref.mean.mul(0.1)) < 1e-6);
      assert.ok(maxAbs(bn.runningVar!, ref.unbiasedVar.mul(0.1).add(0.9)) < 1e-6);
    });
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assert.equal(bn.numBatchesTracked!.dtype, 'int64');
    // eval: running statistics
    bn.eval();
    const ye = bn.forward(x);
    const expect = tidy(() =>
      x
        .sub(bn.runningMean!.reshape([1, 3, 1, 1]))
        .div(bn.runningVar!.add(1e-5).sqrt().reshape([1, 3, 1, 1]))
        .mul(bn.weight!.detach().reshape([1, 3, 1, 1]))
        .add(bn.bias!.detach().reshape([1, 3, 1, 1])),
    );
    assert.ok(maxAbs(ye, expect) < 1e-5);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    for (const t of [x, y, ye, expect, ref.y, ref.mean, ref.unbiasedVar]) t.dispose();
    bn.dispose();
  });

  it('freeze(): running stats and no affine grads even in train(), and it survives model.train()', () => {
    class Net extends Module {
      readonly body = new Sequential(new Conv2d(2, 3, 1), new BatchNorm2d(3));
      forward(x: Tensor): Tensor {
        return this.body.forward(x);
      }
    }
    const net = new Net();
    const bn = net.body.at(1) as BatchNorm2d;
    tidy(() =>
      noGrad(() => {
        bn.runningMean!.copy_(randn([3]));
        bn.runningVar!.copy_(rand([3]).add(0.5));
      }),
    );
    const x = randn([2, 2, 4, 4]);
    const evalOut = noGrad(() => net.eval().forward(x));
    assert.equal(freezeBatchNorm(net), 1);
    net.train();
    assert.equal(bn.training, false);
    assert.equal(bn.frozen, true);
    assert.equal(bn.weight!.requiresGrad, false);
    assert.equal(bn.bias!.requiresGrad, false);
    const before = bn.runningMean!.clone();
    const out = net.forward(x);
    assert.ok(maxAbs(out, evalOut) < 1e-6, 'frozen BN must normalise with running statistics');
    tidy(() => out.sum().backward());
    assert.equal(bn.weight!.grad, null);
    const convGrad = (net.body.at(0) as Conv2d).weight.grad;
    assert.ok(convGrad !== null, 'layers before a frozen BN still get gradients');
    convGrad.dispose();
    assert.ok(maxAbs(bn.runningMean!, before) === 0);
    assert.equal(bn.numBatchesTracked!.item(), 0);

    bn.freeze(false);
    assert.equal(bn.training, true, 'unfreezing restores the mode train() asked for');
    assert.equal(bn.weight!.requiresGrad, true);
    net.eval();
    bn.freeze(true);
    bn.freeze(false);
    assert.equal(bn.training, false);
    for (const t of [x, evalOut, out, before]) t.dispose();
    net.dispose();
  });
  it('withBatchNormSplit(): each part normalised by its own statistics, running stats from the first part only', () => {
    const [bn, ref] = [new BatchNorm2d(3), new BatchNorm2d(3)];
    noGrad(() => {
      bn.weight!.copy_(randn([3]));
      bn.bias!.copy_(randn([3]));
      ref.loadStateDict(bn.stateDict());
    });
    // the two parts have different statistics, as clean and RandConv images do
    const x = F.cat([randn([2, 3, 4, 5]), randn([3, 3, 4, 5]).mul(4).add(2)], 0);
    const y = withBatchNormSplit(bn, 2, () => bn.forward(x));
    const first = ref.forward(x.narrow(0, 0, 2));
    const rest = reference(x.narrow(0, 2, 3), bn).y;
    assert.ok(maxAbs(y.narrow(0, 0, 2), first) < 1e-5);
    assert.ok(maxAbs(y.narrow(0, 2, 3), rest) < 1e-5);
    assert.ok(maxAbs(bn.runningMean!, ref.runningMean!) < 1e-6 && maxAbs(bn.runningVar!, ref.runningVar!) < 1e-6, 'running stats follow the first part');
    // split at 0: batch statistics, running statistics untouched
    const before = bn.runningMean!.clone();
    const all = withBatchNormSplit(bn, 0, () => bn.forward(x));
    assert.ok(maxAbs(all, reference(x, bn).y) < 1e-5);
    assert.equal(maxAbs(bn.runningMean!, before), 0);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    // a 1-image part of 1×1 maps (the ASPP pooling branch) has no statistics of its own: normalised whole
    const pooled = randn([3, 3, 1, 1]);
    const whole = withBatchNormSplit(bn, 1, () => bn.forward(pooled));
    assert.ok(maxAbs(whole, reference(pooled, bn).y) < 1e-5);
    bn.eval();
    assert.ok(
      maxAbs(
        withBatchNormSplit(bn, 2, () => bn.forward(x)),
        bn.forward(x),
      ) === 0,
      'eval mode ignores the split',
    );
    for (const t of [x, y, first, rest, before, all, pooled, whole]) t.dispose();
  });
});
