// DeepLabV3 behaviour that needs no reference: output shapes, aux switch, handle hygiene, frozen-BN training.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDeepLabV3, DEEPLAB_NAMES } from '../../src/models/index.js';
import { BatchNorm2d, freezeBatchNorm } from '../../src/nn/index.js';
import { F, liveTensorCount, noGrad, randint, randn, tidy } from '../../src/tensor/index.js';

describe('DeepLabV3', () => {
  it('returns logits at the input size, aux only when built with (and asked for) it', () => {
    const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 4, auxLoss: true }).eval();
    const x = randn([1, 3, 37, 45]);
    const o = noGrad(() => m.forward(x));
    assert.deepEqual(o.out.shape, [1, 4, 37, 45]);
    assert.deepEqual(o.aux?.shape, [1, 4, 37, 45]);
    const noAux = noGrad(() => m.forward(x, { aux: false }));
    assert.equal(noAux.aux, undefined);
    for (const t of [o.out, o.aux!, noAux.out, x]) t.dispose();
    assert.equal(m.numClasses, 4);
    assert.equal(m.outputStride, 16);
    m.dispose();
    assert.deepEqual(DEEPLAB_NAMES, ['deeplabv3_resnet18', 'deeplabv3_resnet34', 'deeplabv3_resnet50', 'deeplabv3_resnet101', 'deeplabv3_resnet152']);
  });

  it('forward and backward leave no tensor handles behind', () => {
    const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 3, auxLoss: true, outputStride: 8 });
    const x = randn([2, 3, 33, 33]);
    const y = randint(0, 3, [2, 33, 33]);
    const before = liveTensorCount();
    const o = m.forward(x); // no tidy: only the two outputs may survive
    assert.equal(liveTensorCount(), before + 2);
    tidy(() => F.crossEntropy(o.out, y).add(F.crossEntropy(o.aux!, y), 0.5).backward());
    o.out.dispose();
    o.aux!.dispose();
    assert.equal(liveTensorCount(), before);
    m.zeroGrad();
    const e = noGrad(() => m.eval().forward(x));
    assert.equal(liveTensorCount(), before + 2, 'eval forward: only out and aux survive');
    e.out.dispose();
    e.aux!.dispose();
    assert.equal(liveTensorCount(), before);
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it('with frozen BatchNorm, train() keeps running stats fixed and gives BN affine params no gradient', () => {
    const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 3 });
    const n = freezeBatchNorm(m);
    assert.equal(n, m.modules().filter((x) => x instanceof BatchNorm2d).length);
    m.train();
    const bn = m.backbone.bn1;
    const mean = bn.runningMean!.clone();
    const x = randn([1, 3, 33, 33]); // batch 1: a non-frozen ASPP pooling BN would refuse to train on it
    tidy(() => m.forward(x).out.sum().backward());
    assert.equal(
      tidy(() => bn.runningMean!.sub(mean).abs().amax().item()),
      0,
    );
    assert.equal(bn.weight!.grad, null);
    const g = m.backbone.conv1.weight.grad;
    assert.ok(g);
    g.dispose();
    for (const t of [mean, x]) t.dispose();
    m.dispose();
  });
});
