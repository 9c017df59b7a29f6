// ResNet/DeepLabV3 structure against torchvision 0.14.1: state-dict keys, stride/dilation plans, ResNet-18
// logits, ImageNet backbone loading; plus setOutputStride equivalence and inferArchitecture.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPth } from '../../src/io/index.js';
import type { DeepLabName, StrideDilationPlan } from '../../src/models/index.js';
import { buildModel, createDeepLabV3, type DeepLabV3, inferArchitecture, layerGeometries, resnet18, resnet50 } from '../../src/models/index.js';
import type { Module } from '../../src/nn/index.js';
import { BatchNorm2d, Conv2d, StateDictError } from '../../src/nn/index.js';
import type { RawTensor, Tensor } from '../../src/tensor/index.js';
import { fromRaw, getNumThreads, noGrad, rand, randn, setNumThreads, tidy } from '../../src/tensor/index.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';

const REFERENCE_PY = String.raw`
import sys, json, torch
from torchvision.models import resnet18, resnet50, resnet101, resnet152
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.segmentation import deeplabv3_resnet50, deeplabv3_resnet101
from torchvision.models.segmentation.deeplabv3 import DeepLabV3, DeepLabHead
from torchvision.models.segmentation.fcn import FCNHead
out = sys.argv[1]
torch.manual_seed(0)
torch.set_num_threads(1)

def deeplab(net, c4, aux):
    rl = {'layer4': 'out', 'layer3': 'aux'} if aux else {'layer4': 'out'}
    return DeepLabV3(IntermediateLayerGetter(net, rl), DeepLabHead(c4, 5), FCNHead(c4 // 2, 5) if aux else None)

info = {
    'keys': {
        'deeplabv3_resnet50_aux': list(deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=5, aux_loss=True).state_dict()),
        'resnet18': list(resnet18().state_dict()),
        'deeplabv3_resnet18_aux': list(deeplab(resnet18(), 512, True).state_dict()),
    },
    'shapes': {
        'deeplabv3_resnet101': {k: list(v.shape) for k, v in deeplabv3_resnet101(weights=None, weights_backbone=None, num_classes=7).state_dict().items()},
        'deeplabv3_resnet152_aux': {k: list(v.shape) for k, v in deeplab(resnet152(), 2048, True).state_dict().items()},
    },
    'geometry': {},
}
for plan in ([False, False, False], [False, False, True], [False, True, True]):
    net = resnet50(replace_stride_with_dilation=plan)
    info['geometry'][json.dumps(plan)] = {n: [list(m.stride), list(m.padding), list(m.dilation)]
        for n, m in net.named_modules() if isinstance(m, torch.nn.Conv2d)}
json.dump(info, open(f'{out}/info.json', 'w'))

# ResNet-18 classifier logits (eval, randomised BN stats)
net = resnet18(num_classes=10)
with torch.no_grad():
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.8, 1.2); m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1); m.running_var.uniform_(0.5, 1.5)
net.eval()
x = torch.randn(2, 3, 64, 64)
with torch.no_grad():
    y = net(x)
torch.save(net.state_dict(), f'{out}/resnet18.pth')
torch.save({'x': x, 'y': y}, f'{out}/resnet18-io.pth')
# an ImageNet-style resnet50 checkpoint (fc included)
torch.save(resnet50().state_dict(), f'{out}/resnet50-imagenet.pth')
`;

interface Info {
  keys: Record<'deeplabv3_resnet50_aux' | 'resnet18' | 'deeplabv3_resnet18_aux', string[]>;
  shapes: Record<'deeplabv3_resnet101' | 'deeplabv3_resnet152_aux', Record<string, number[]>>;
  geometry: Record<string, Record<string, [number[], number[], number[]]>>;
}

const maxAbs = (a: Tensor, b: Tensor): number => tidy(() => a.sub(b).abs().amax().item());

/** Random BN affine and running stats so eval-mode outputs depend on every buffer. */
function randomiseBatchNorm(m: Module): void {
  tidy(() =>
    noGrad(() => {
      for (const bn of m.modules()) {
        if (!(bn instanceof BatchNorm2d)) continue;
        const c = bn.numFeatures;
        bn.weight!.copy_(rand([c]).mul(0.4).add(0.8));
        bn.bias!.copy_(randn([c]).mul(0.1));
        bn.runningMean!.copy_(randn([c]).mul(0.1));
        bn.runningVar!.copy_(rand([c]).add(0.5));
      }
    }),
  );
}

function convGeometry(m: Module): Record<string, [number[], number[], number[]]> {
  const out: Record<string, [number[], number[], number[]]> = {};
  for (const [name, c] of m.namedModules()) if (c instanceof Conv2d) out[name] = [c.stride, c.padding, c.dilation];
  return out;
}

describe('models against torchvision 0.14', { skip: skipWithoutTorch(true) }, () => {
  let dir = '';
  let info: Info;
  let threads = 1;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
    runPython(REFERENCE_PY, { args: [dir], timeoutMs: 300_000 });
    info = JSON.parse(fs.readFileSync(path.join(dir, 'info.json'), 'utf8')) as Info;
    threads = getNumThreads();
    setNumThreads(1);
  });

  after(() => {
    setNumThreads(threads);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('state-dict keys equal torchvision (deeplabv3_resnet50 + aux, resnet18, deeplabv3_resnet18 + aux), in order', () => {
    const cases: [string[], () => Module][] = [
      [info.keys.deeplabv3_resnet50_aux, () => createDeepLabV3('deeplabv3_resnet50', { numClasses: 5, outputStride: 8, auxLoss: true })],
      [info.keys.resnet18, () => resnet18()],
      [info.keys.deeplabv3_resnet18_aux, () => createDeepLabV3('deeplabv3_resnet18', { numClasses: 5, auxLoss: true })],
    ];
    for (const [expected, make] of cases) {
      const m = make();
      assert.deepEqual([...m.stateDict().keys()], expected);
      m.dispose();
    }
  });

  it('replaceStrideWithDilation gives every conv the stride/padding/dilation torchvision gives it', () => {
    const net = resnet50({ numClasses: null });
    for (const [plan, expected] of Object.entries(info.geometry)) {
      net.setReplaceStrideWithDilation(JSON.parse(plan) as StrideDilationPlan);
      assert.deepEqual(convGeometry(net), expected, `plan ${plan}`);
      const fresh = resnet50({ numClasses: null, replaceStrideWithDilation: JSON.parse(plan) as StrideDilationPlan });
      assert.deepEqual(convGeometry(fresh), expected, `fresh build, plan ${plan}`);
      fresh.dispose();
    }
    net.dispose();
    assert.deepEqual(layerGeometries([1, 1, 1, 2], [false, true, true]), [
      [{ stride: 1, dilation: 1 }],
      [{ stride: 2, dilation: 1 }],
      [{ stride: 1, dilation: 1 }],
      [
        { stride: 1, dilation: 2 },
        { stride: 1, dilation: 4 },
      ],
    ]);
  });

  it('resnet18 logits match torchvision in eval mode', () => {
    const net = resnet18({ numClasses: 10 });
    net.loadStateDict(readPth(path.join(dir, 'resnet18.pth')));
    const io = readPth(path.join(dir, 'resnet18-io.pth'));
    const [x, y] = [fromRaw(io.get('x')!), fromRaw(io.get('y')!)];
    const out = noGrad(() => net.eval().forward(x));
    assert.ok(maxAbs(out, y) <= 1e-4, `max abs diff ${maxAbs(out, y)}`);
    for (const t of [x, y, out]) t.dispose();
    net.dispose();
  });

  it('an ImageNet resnet50 checkpoint loads into the backbone with fc.* ignored and reported', () => {
    const file = path.join(dir, 'resnet50-imagenet.pth');
    const { model, pretrained } = buildModel('deeplabv3_resnet50', { numClasses: 3, pretrainedBackbone: file });
    assert.ok(pretrained);
    assert.deepEqual(pretrained.ignoredKeys, ['fc.weight', 'fc.bias']);
    assert.equal(pretrained.path, file);
    const ckpt = readPth(file);
    assert.equal(pretrained.loadedKeys, ckpt.size - 2);
    for (const key of ['conv1.weight', 'layer4.2.conv3.weight', 'layer3.5.bn2.running_var']) {
      const mine = model.stateDict().get(`backbone.${key}`)!;
      const theirs = fromRaw(ckpt.get(key)!);
      assert.equal(maxAbs(mine, theirs), 0, key);
      theirs.dispose();
    }
    assert.equal(model.outputStride, 16);
    model.dispose();

    // a checkpoint of the wrong depth fails, naming keys and shapes
    assert.throws(
      () => buildModel('deeplabv3_resnet18', { numClasses: 3, pretrainedBackbone: file }),
      (e: Error) =>
        /resnet50-imagenet\.pth: cannot load as a resnet18 backbone/.test(e.message) &&
        /layer1\.0\.conv1\.weight: checkpoint \[64,64,1,1\] vs model \[64,64,3,3\]/.test(e.message) &&
        /unexpected keys \(\d+\): .*layer1\.0\.conv3\.weight/.test(e.message),
    );
  });

  it('inferArchitecture reads depth, block type, classes and aux from torchvision state dicts', () => {
    const asMap = (shapes: Record<string, number[]>) => new Map(Object.entries(shapes).map(([k, shape]) => [k, { shape }]));
    assert.deepEqual(inferArchitecture(asMap(info.shapes.deeplabv3_resnet101)), {
      name: 'deeplabv3_resnet101',
      backbone: 'resnet101',
      block: 'bottleneck',
      blocks: [3, 4, 23, 3],
      numClasses: 7,
      auxLoss: false,
    });
    const r152 = inferArchitecture(asMap(info.shapes.deeplabv3_resnet152_aux));
    assert.equal(r152.name, 'deeplabv3_resnet152');
    assert.equal(r152.auxLoss, true);
    const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 4, auxLoss: true });
    assert.deepEqual(inferArchitecture(m.stateDict()), {
      name: 'deeplabv3_resnet18',
      backbone: 'resnet18',
      block: 'basic',
      blocks: [2, 2, 2, 2],
      numClasses: 4,
      auxLoss: true,
    });
    m.dispose();
    const noHead = asMap(info.shapes.deeplabv3_resnet101);
    noHead.delete('classifier.4.weight');
    assert.throws(() => inferArchitecture(noHead), /key "classifier\.4\.weight" is missing/);
    const odd = asMap(info.shapes.deeplabv3_resnet101);
    for (const k of [...odd.keys()]) if (k.startsWith('backbone.layer3.22.')) odd.delete(k);
    assert.throws(() => inferArchitecture(odd), /bottleneck-block ResNet with \[3,4,22,3\] blocks per layer/);
  });
});

describe('setOutputStride', () => {
  for (const name of ['deeplabv3_resnet18', 'deeplabv3_resnet50'] as DeepLabName[]) {
    it(`${name}: switching 16 -> 8 -> 16 in place equals models freshly built at that stride`, () => {
      const a = createDeepLabV3(name, { numClasses: 3, outputStride: 16, auxLoss: true });
      randomiseBatchNorm(a);
      const sd = new Map([...a.stateDict()].map(([k, t]) => [k, t.toRaw()] as [string, RawTensor]));
      const x = randn([1, 3, 41, 41]);
      const outputs = (m: DeepLabV3): Tensor[] => {
        const o = noGrad(() => m.eval().forward(x));
        return [o.out, o.aux!];
      };
      for (const os of [8, 16] as const) {
        a.setOutputStride(os);
        assert.equal(a.outputStride, os);
        assert.deepEqual(a.classifier.aspp.atrousRates, os === 8 ? [12, 24, 36] : [6, 12, 18]);
        const fresh = createDeepLabV3(name, { numClasses: 3, outputStride: os, auxLoss: true });
        fresh.loadStateDict(sd);
        assert.deepEqual(convGeometry(a), convGeometry(fresh));
        const [mine, ref] = [outputs(a), outputs(fresh)];
        assert.deepEqual(mine[0]!.shape, [1, 3, 41, 41]);
        for (let i = 0; i < 2; i++) assert.equal(maxAbs(mine[i]!, ref[i]!), 0, `${name} OS ${os} output ${i}`);
        for (const t of [...mine, ...ref]) t.dispose();
        fresh.dispose();
      }
      // weights untouched by the switches
      for (const [k, t] of a.stateDict()) {
        const r = fromRaw(sd.get(k)!);
        assert.equal(maxAbs(t, r), 0, k);
        r.dispose();
      }
      assert.throws(() => a.setOutputStride(32 as 8), /outputStride must be 8 or 16, got 32/);
      x.dispose();
      a.dispose();
    });
  }

  it('strict load into a model of another depth names the shape mismatches', () => {
    const a = createDeepLabV3('deeplabv3_resnet18', { numClasses: 3 });
    const b = createDeepLabV3('deeplabv3_resnet34', { numClasses: 4, auxLoss: true });
    try {
      b.loadStateDict(a.stateDict());
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof StateDictError);
      assert.match(e.message, /classifier\.4\.weight: checkpoint \[3,256,1,1\] vs model \[4,256,1,1\]/);
      assert.ok(e.missingKeys.includes('backbone.layer1.2.conv1.weight'));
      assert.ok(e.missingKeys.includes('aux_classifier.0.weight'));
      assert.deepEqual(e.unexpectedKeys, []);
    }
    a.dispose();
    b.dispose();
  });
});

describe('ResNet initialisation (torchvision scheme)', () => {
  it('kaiming_normal_(fan_out, relu) convs, BN weight 1 / bias 0, zeroInitResidual zeroes the last BN of each block', () => {
    const std = (t: Tensor): number => tidy(() => t.sub(t.mean()).pow(2).mean().sqrt().item());
    const net = resnet50({ numClasses: null, zeroInitResidual: true });
    const w = net.layer3.at(0).getModule('conv2') as Conv2d; // [256, 256, 3, 3], fan_out 2304
    assert.ok(Math.abs(std(w.weight) / Math.sqrt(2 / (256 * 9)) - 1) < 0.02);
    const bn1 = net.layer3.at(0).getModule('bn1') as BatchNorm2d;
    assert.deepEqual(
      tidy(() => [bn1.weight!.amin().item(), bn1.weight!.amax().item(), bn1.bias!.abs().amax().item()]),
      [1, 1, 0],
    );
    for (const layer of [net.layer1, net.layer2, net.layer3, net.layer4]) {
      for (const block of layer) {
        const bn3 = block.getModule('bn3') as BatchNorm2d;
        assert.equal(
          tidy(() => bn3.weight!.abs().amax().item()),
          0,
        );
      }
    }
    net.dispose();
    const r18 = resnet18({ zeroInitResidual: true });
    assert.equal(
      tidy(() => (r18.layer2.at(1).getModule('bn2') as BatchNorm2d).weight!.abs().amax().item()),
      0,
    );
    r18.dispose();
  });
});
