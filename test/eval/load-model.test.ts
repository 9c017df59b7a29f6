import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { evaluate } from '../../src/eval/evaluate.js';
import { inspectModelCheckpoint, readModelCheckpoint } from '../../src/eval/load-model.js';
import { countConfusion } from '../../src/eval/metrics.js';
import { resolveLabelSpace } from '../../src/eval/setup.js';
import { writePth, writeSafetensors } from '../../src/io/index.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { manualSeed, type RawTensor } from '../../src/tensor/index.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function rawStateDict(prefix = ''): Map<string, RawTensor> {
  manualSeed(1);
  const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 10, auxLoss: true });
  const sd = new Map<string, RawTensor>();
  for (const [k, t] of m.stateDict()) sd.set(prefix + k, t.toRaw());
  m.dispose();
  return sd;
}

const sameWeights = (a: Map<string, RawTensor>, b: Map<string, RawTensor>) => {
  assert.equal(a.size, b.size);
  for (const [k, t] of a) assert.deepEqual(Buffer.from(b.get(k)!.data), Buffer.from(t.data), k);
};

describe('readModelCheckpoint', () => {
  it('reads a shapeseg training checkpoint: architecture from tensors, label space and trained stride from the config', () => {
    manualSeed(1);
    const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 10, auxLoss: true });
    const file = path.join(dir, 'run', 'checkpoints', 'step-00000150.safetensors');
    const config = {
      model: { name: 'deeplabv3_resnet18', numClasses: 10 },
      data: { train: { layout: 'vkitti1', root: '/d', labelSpace: 'vkitti-kitti' }, val: { layout: 'kitti', root: '/k', labelSpace: 'vkitti-kitti' } },
      train: {
        phases: [
          { steps: 100, outputStride: 16 },
          { steps: 100, outputStride: 8 },
        ],
      },
    };
    saveCheckpoint(file, m.stateDict(), new Map(), {
      step: 150,
      phase: 1,
      rngState: new Uint8Array(4),
      loaderState: null,
      configHash: 'x',
      bestMIoU: null,
      config,
    });
    const { model, info } = readModelCheckpoint(file);
    assert.equal(info.kind, 'shapeseg-train');
    assert.equal(info.name, 'deeplabv3_resnet18');
    assert.equal(info.numClasses, 10);
    assert.equal(info.auxLoss, true);
    assert.equal(info.labelSpace, 'vkitti-kitti');
    assert.equal(info.trainedOutputStride, 8);
    assert.equal(info.step, 150);
    assert.equal(model.outputStride, 8);
    assert.equal(model.training, false);
    const got = new Map([...model.stateDict()].map(([k, t]) => [k, t.toRaw()]));
    sameWeights(new Map([...m.stateDict()].map(([k, t]) => [k, t.toRaw()])), got);
    assert.equal(resolveLabelSpace(undefined, info).name, 'vkitti-kitti');
    assert.throws(() => resolveLabelSpace('vkitti', info), /differs from the label space vkitti-kitti/);
    model.dispose();
    m.dispose();
  });

  it('reads a DataParallel-prefixed .pth and a bare safetensors with metadata; mismatches name the file', () => {
    const pth = path.join(dir, 'tv.pth');
    writePth(pth, rawStateDict('module.'));
    const a = inspectModelCheckpoint(pth);
    assert.equal(a.info.kind, 'torchvision');
    assert.equal(a.info.labelSpace, null);
    assert.ok(a.stateDict.has('backbone.conv1.weight'));
    assert.throws(() => resolveLabelSpace(undefined, a.info), /--label-space is required/);
    assert.throws(() => resolveLabelSpace('vkitti', a.info), /predicts 10 classes but label space vkitti has 14/);

    const st = path.join(dir, 'bare.safetensors');
    writeSafetensors(st, rawStateDict(), { model: 'deeplabv3_resnet18', numClasses: '10', labelSpace: 'vkitti-kitti', outputStride: '16' });
    const b = inspectModelCheckpoint(st);
    assert.equal(b.info.kind, 'shapeseg-model');
    assert.equal(b.info.trainedOutputStride, 16);
    sameWeights(a.stateDict, b.stateDict);

    const bad = path.join(dir, 'bad.safetensors');
    writeSafetensors(bad, rawStateDict(), { model: 'deeplabv3_resnet50' });
    assert.throws(() => inspectModelCheckpoint(bad), /bad\.safetensors: metadata says model deeplabv3_resnet50 but the tensors are a deeplabv3_resnet18/);
  });

  it("predicts exactly torchvision's deeplabv3_resnet50 on a whole image (oracle)", { skip: skipWithoutTorch(true) }, async () => {
    const script = `
import sys, torch, torchvision
from torchvision.models.segmentation import deeplabv3_resnet50
from torchvision.transforms import functional as TF
torch.manual_seed(0)
m = deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=3, aux_loss=True).eval()
# move BN statistics off their init so eval-mode BN matters
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.1, 0.1); mod.running_var.uniform_(0.5, 1.5)
g = torch.Generator().manual_seed(1)
img = torch.randint(0, 256, (37, 45, 3), dtype=torch.uint8, generator=g)
lab = torch.randint(0, 3, (37, 45), dtype=torch.uint8, generator=g)
x = TF.normalize(TF.to_tensor(img.numpy()), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]).unsqueeze(0)
with torch.no_grad():
    out = m(x)['out']
torch.save(m.state_dict(), sys.argv[1] + '/tv50.pth')
open(sys.argv[1] + '/img.bin', 'wb').write(img.numpy().tobytes())
open(sys.argv[1] + '/lab.bin', 'wb').write(lab.numpy().tobytes())
open(sys.argv[1] + '/pred.bin', 'wb').write(out.argmax(1)[0].to(torch.uint8).numpy().tobytes())
top2 = out.topk(2, 1).values
open(sys.argv[1] + '/margin.bin', 'wb').write((top2[:, 0] - top2[:, 1])[0].numpy().tobytes())
`;
    runPython(script, { args: [dir], timeoutMs: 300_000 });
    const { model, info } = readModelCheckpoint(path.join(dir, 'tv50.pth'), { outputStride: 8 });
    assert.equal(info.name, 'deeplabv3_resnet50');
    assert.equal(info.numClasses, 3);
    const space = {
      name: 'three',
      classes: ['a', 'b', 'c'],
      colors: [
        [1, 1, 1],
        [2, 2, 2],
        [3, 3, 3],
      ] as const,
      numClasses: 3,
    };
    const sample = { image: fs.readFileSync(path.join(dir, 'img.bin')), label: fs.readFileSync(path.join(dir, 'lab.bin')), width: 45, height: 37, id: 'x' };
    let ours: Uint8Array | null = null;
    const res = await evaluate(
      model,
      { length: 1, load: async () => sample },
      {
        labelSpace: space,
        device: 'cpu',
        onPrediction: (_s, p) => {
          ours = p;
        },
      },
    );
    const theirs = fs.readFileSync(path.join(dir, 'pred.bin'));
    const margin = new Float32Array(fs.readFileSync(path.join(dir, 'margin.bin')).buffer.slice(0));
    const differ = [...theirs].map((v, i) => (v !== ours![i] ? i : -1)).filter((i) => i >= 0);
    // float reassociation may flip argmax only where torchvision's top-2 logits are (nearly) tied
    for (const i of differ) assert.ok(margin[i]! < 1e-4, `pixel ${i}: ours ${ours![i]} vs torchvision ${theirs[i]} with margin ${margin[i]}`);
    assert.deepEqual(Array.from(res.confusion), Array.from(countConfusion(sample.label, ours!, 3)));
    model.dispose();
  });
});
