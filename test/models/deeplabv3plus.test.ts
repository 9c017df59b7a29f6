// DeepLabV3+ behaviour that needs no reference: output shapes, VainF's key layout, separable and decoder variants,
// setOutputStride against a fresh build, architecture inference, and the options refused for DeepLabV3.
// (Numerical parity with a PyTorch rebuild: deeplabv3plus-to-torch.test.ts.)

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { createDeepLabV3Plus, createModel, DEEPLABV3PLUS_NAMES, type DeepLabV3Plus, inferArchitecture, MODEL_NAMES } from '../../src/models/index.js';
import { liveTensorCount, noGrad, randn, type Tensor, tidy } from '../../src/tensor/index.js';

const shapes = (m: DeepLabV3Plus): Map<string, readonly number[]> => new Map([...m.stateDict()].map(([k, t]) => [k, t.shape]));

describe('DeepLabV3+', () => {
  it('gives logits at the input size at OS 16 and 8, also for sizes that are not multiples of 16; no handle leaks', () => {
    const m = createDeepLabV3Plus('deeplabv3plus_resnet18', { numClasses: 4, auxLoss: true }).eval();
    assert.equal(m.outputStride, 16);
    assert.equal(m.numClasses, 4);
    const before = liveTensorCount();
    for (const os of [16, 8] as const) {
      m.setOutputStride(os);
      const x = randn([1, 3, 37, 45]); // layer1 10x12, layer4 3x3 (OS 16) / 5x6 (OS 8)
      const o = noGrad(() => m.forward(x));
      assert.deepEqual(o.out.shape, [1, 4, 37, 45], `OS ${os}`);
      assert.deepEqual(o.aux?.shape, [1, 4, 37, 45]);
      for (const t of [x, o.out, o.aux!]) t.dispose();
    }
    // a training forward with the trainer's options (split BatchNorm, a feature augmentation after layer1), backward
    let augmented = 0;
    const layer1 = (t: Tensor): Tensor => {
      augmented++;
      return t.mul(1);
    };
    const x = randn([4, 3, 32, 32]);
    tidy(() => m.train().forward(x, { batchNormSplit: 2, featureAugment: { layer1 } }).out.sum().backward());
    assert.equal(augmented, 1);
    assert.ok(m.classifier.project.at(0).parameters()[0]!.grad, 'the low-level projection gets a gradient');
    m.zeroGrad();
    x.dispose();
    assert.equal(liveTensorCount(), before);
    m.dispose();
  });

  it("has VainF's keys: classifier.project/aspp/classifier, decoder 0..6 (paper) or 0..3 (VainF), separable body.0/1", () => {
    const two = createDeepLabV3Plus('deeplabv3plus_resnet18', { numClasses: 3 });
    const s2 = shapes(two);
    assert.deepEqual(s2.get('classifier.project.0.weight'), [48, 64, 1, 1]);
    assert.deepEqual(s2.get('classifier.project.1.running_mean'), [48]);
    assert.deepEqual(s2.get('classifier.aspp.convs.1.0.weight'), [256, 512, 3, 3]);
    assert.deepEqual(s2.get('classifier.aspp.convs.4.1.weight'), [256, 512, 1, 1]);
    assert.deepEqual(s2.get('classifier.aspp.project.0.weight'), [256, 1280, 1, 1]);
    assert.deepEqual(s2.get('classifier.classifier.0.weight'), [256, 304, 3, 3]);
    assert.deepEqual(s2.get('classifier.classifier.3.weight'), [256, 256, 3, 3]);
    assert.deepEqual(s2.get('classifier.classifier.6.weight'), [3, 256, 1, 1]);
    assert.deepEqual(s2.get('classifier.classifier.6.bias'), [3]);
    assert.equal(s2.get('classifier.classifier.0.bias'), undefined);
    assert.ok(![...s2.keys()].some((k) => k.startsWith('aux_classifier.') || k.startsWith('backbone.fc.')));
    // state-dict order as VainF registers it: backbone, then project, aspp, classifier
    const order = [...s2.keys()].map((k) => k.split('.').slice(0, 2).join('.'));
    assert.deepEqual([...new Set(order.filter((k) => k.startsWith('classifier.')))], ['classifier.project', 'classifier.aspp', 'classifier.classifier']);
    two.dispose();

    const one = createDeepLabV3Plus('deeplabv3plus_resnet18', { numClasses: 3, decoderConvs: 1, separableConv: true });
    const s1 = shapes(one);
    assert.equal(one.classifier.classifier.length, 4);
    assert.deepEqual(s1.get('classifier.classifier.3.weight'), [3, 256, 1, 1]);
    assert.deepEqual(s1.get('classifier.classifier.0.body.0.weight'), [304, 1, 3, 3], 'depthwise: groups = in channels');
    assert.deepEqual(s1.get('classifier.classifier.0.body.1.weight'), [256, 304, 1, 1], 'pointwise');
    assert.deepEqual(s1.get('classifier.aspp.convs.2.0.body.0.weight'), [512, 1, 3, 3]);
    assert.deepEqual(s1.get('classifier.aspp.convs.0.0.weight'), [256, 512, 1, 1], '1x1 convs stay plain');
    assert.ok(![...s1.keys()].some((k) => k.startsWith('backbone.') && k.includes('.body.')), 'the backbone is never converted');
    assert.ok(![...s1.keys()].some((k) => k.includes('.body.') && k.endsWith('.bias')), 'bias-free convs stay bias-free');
    assert.deepEqual(one.aspp.atrousRates, [6, 12, 18]);
    assert.deepEqual(one.setOutputStride(8).aspp.atrousRates, [12, 24, 36]);
    one.dispose();

    const b50 = createModel('deeplabv3plus_resnet50', { numClasses: 2, outputStride: 8 }) as DeepLabV3Plus;
    assert.deepEqual(b50.classifier.project.at(0).parameters()[0]!.shape, [48, 256, 1, 1], 'Bottleneck layer1: 256 channels');
    assert.deepEqual(b50.aspp.atrousRates, [12, 24, 36]);
    b50.dispose();
  });

  it('setOutputStride gives the same logits as a model built at that stride with the same weights', () => {
    const a = createDeepLabV3Plus('deeplabv3plus_resnet18', { numClasses: 3, separableConv: true }).eval();
    const b = createDeepLabV3Plus('deeplabv3plus_resnet18', { numClasses: 3, separableConv: true, outputStride: 8 }).eval();
    b.loadStateDict(a.stateDict());
    a.setOutputStride(8);
    const x = randn([1, 3, 41, 41]);
    const d = noGrad(() => tidy(() => a.forward(x).out.sub(b.forward(x).out).abs().amax().item()));
    assert.equal(d, 0);
    for (const t of [a, b, x]) t.dispose();
  });

  it('inferArchitecture reads name, decoder convs and separability from the keys', () => {
    for (const opts of [
      { decoderConvs: 2, separableConv: false, auxLoss: true },
      { decoderConvs: 1, separableConv: true, auxLoss: false },
    ] as const) {
      const m = createDeepLabV3Plus('deeplabv3plus_resnet18', { numClasses: 6, ...opts });
      assert.deepEqual(inferArchitecture(m.stateDict()), {
        name: 'deeplabv3plus_resnet18',
        backbone: 'resnet18',
        block: 'basic',
        blocks: [2, 2, 2, 2],
        numClasses: 6,
        ...opts,
      });
      m.dispose();
    }
  });

  it('names and options: the builders are listed; DeepLabV3+ options are refused for DeepLabV3, naming the field', () => {
    assert.deepEqual(DEEPLABV3PLUS_NAMES, [
      'deeplabv3plus_resnet18',
      'deeplabv3plus_resnet34',
      'deeplabv3plus_resnet50',
      'deeplabv3plus_resnet101',
      'deeplabv3plus_resnet152',
    ]);
    assert.ok(MODEL_NAMES.includes('deeplabv3_resnet18') && MODEL_NAMES.includes('deeplabv3plus_resnet152'));
    assert.throws(() => createModel('deeplabv3_resnet18', { numClasses: 2, separableConv: true }), /separableConv is a DeepLabV3\+ option/);
    assert.throws(() => createModel('deeplabv3plus_resnet18', { numClasses: 2, decoderConvs: 3 as 2 }), /decoderConvs must be 1 or 2, got 3/);
    const data = { layout: 'kitti', root: '/nowhere', labelSpace: 'vkitti-kitti' };
    assert.throws(
      () => parseConfig({ model: { name: 'deeplabv3_resnet50', decoderConvs: 1 }, data: { train: data } }),
      /model\.decoderConvs.*DeepLabV3\+ option/s,
    );
    const cfg = parseConfig({ model: { name: 'deeplabv3plus_resnet50', decoderConvs: 1, separableConv: true }, data: { train: data } });
    assert.equal(cfg.model.name, 'deeplabv3plus_resnet50');
    assert.equal(cfg.model.decoderConvs, 1);
  });
});
