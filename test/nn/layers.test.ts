import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conv2d, Dropout, fans, kaimingNormal_, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { F, manualSeed, noGrad, ones, randn, tidy } from '../../src/tensor/index.js';

const std = (t: Tensor): number =>
  tidy(() => {
    const m = t.mean();
    return t.sub(m).pow(2).mean().sqrt().item();
  });

describe('layers', () => {
  it('Conv2d applies F.conv2d with its geometry; setDilation keeps "same" padding', () => {
    const conv = new Conv2d(4, 6, 3, { padding: 1, stride: 2 });
    assert.deepEqual(conv.weight.shape, [6, 4, 3, 3]);
    assert.deepEqual(conv.bias!.shape, [6]);
    const x = randn([1, 4, 9, 9]);
    const y = conv.forward(x);
    assert.deepEqual(y.shape, [1, 6, 5, 5]);
    conv.stride = [1, 1];
    conv.setDilation(3);
    assert.deepEqual(conv.padding, [3, 3]);
    const z = conv.forward(x);
    const expect = F.conv2d(x, conv.weight, conv.bias, { padding: 3, dilation: 3 });
    assert.deepEqual(z.shape, [1, 6, 9, 9]);
    assert.equal(
      tidy(() => z.sub(expect).abs().amax().item()),
      0,
    );
    for (const t of [x, y, z, expect]) t.dispose();
    conv.dispose();
  });

  it('default init is kaiming_uniform(a=√5) (std 1/√(3·fanIn)); kaimingNormal_ fan_out/relu has std √(2/fanOut)', () => {
    manualSeed(0);
    const conv = new Conv2d(64, 128, 3, { bias: false });
    const { fanIn, fanOut } = fans(conv.weight.shape);
    assert.equal(fanIn, 64 * 9);
    assert.equal(fanOut, 128 * 9);
    assert.ok(Math.abs(std(conv.weight) / (1 / Math.sqrt(3 * fanIn)) - 1) < 0.02);
    kaimingNormal_(conv.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    assert.ok(Math.abs(std(conv.weight) / Math.sqrt(2 / fanOut) - 1) < 0.02);
    assert.equal(conv.weight.requiresGrad, true);
    conv.dispose();
  });

  it('Linear computes x Wᵀ + b', () => {
    const lin = new Linear(3, 2);
    noGrad(() => {
      lin.weight.copy_(ones([2, 3]));
      lin.bias!.fill_(1);
    });
    const x = randn([4, 3]);
    const y = lin.forward(x);
    const expect = tidy(() => x.sum(1, true).add(1).expand([4, 2]).contiguous());
    assert.ok(tidy(() => y.sub(expect).abs().amax().item()) < 1e-6);
    for (const t of [x, y, expect]) t.dispose();
    lin.dispose();
  });

  it('Sequential chains children named 0..n-1; inplace ReLU returns its input', () => {
    const relu = new ReLU(true);
    const seq = new Sequential(new Conv2d(2, 2, 1), new ReLU(), new Dropout(0.5));
    assert.deepEqual(
      [...seq.children()].map(([n]) => n),
      ['0', '1', '2'],
    );
    assert.equal(seq.length, 3);
    assert.ok(seq.at(-1) instanceof Dropout);
    assert.throws(() => seq.at(3), /index 3 out of range/);
    const x = randn([1, 2, 3, 3]);
    assert.equal(relu.forward(x), x);
    assert.ok(tidy(() => x.amin().item()) >= 0);
    seq.eval();
    const y = seq.forward(x);
    const expect = tidy(() => F.relu(seq.at(0).forward(x)));
    assert.equal(
      tidy(() => y.sub(expect).abs().amax().item()),
      0,
    );
    for (const t of [x, y, expect]) t.dispose();
    seq.dispose();
  });

  it('Dropout is the identity in eval and scales kept elements by 1/(1-p) in train', () => {
    const d = new Dropout(0.5);
    const x = ones([1000]);
    const y = d.forward(x);
    const vals = new Set(Array.from(y.toArray() as Float32Array));
    assert.deepEqual([...vals].sort(), [0, 2]);
    d.eval();
    const z = d.forward(x);
    assert.equal(
      tidy(() => z.sub(x).abs().amax().item()),
      0,
    );
    for (const t of [x, y, z]) t.dispose();
    assert.throws(() => new Dropout(1.5), /p must be in \[0, 1\], got 1\.5/);
  });
});
