// DeepLabV3+ against a PyTorch rebuild: VainF/DeepLabV3Plus-Pytorch's head (network/_deeplab.py: DeepLabHeadV3Plus,
// AtrousSeparableConvolution, convert_to_separable_conv; its decoder widened to the paper's two 3x3 convs where
// asked) over torchvision's resnet18 through IntermediateLayerGetter, torchvision's ASPP and FCNHead. shapeseg's
// state dict must load with strict=True and give the same eval-mode logits. torchvision's BasicBlock refuses
// dilation, so the Python side re-plans resnet18's strides/dilations as shapeseg's BasicBlock does (layerGeometries).
// The other way round, a checkpoint PyTorch saves as VainF's train script does loads with readModelCheckpoint.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { readModelCheckpoint } from '../../src/eval/load-model.js';
import type { RawTensor } from '../../src/io/index.js';
import { writeSafetensors } from '../../src/io/index.js';
import { createDeepLabV3Plus, type DeepLabV3PlusOptions, type OutputStride } from '../../src/models/index.js';
import { fromRaw, getNumThreads, manualSeed, noGrad, setNumThreads, tidy } from '../../src/tensor/index.js';
import { saveCheckpoint } from '../../src/train/index.js';
import { randomiseBatchNorm } from '../helpers/batchnorm.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';
import { fixedInput, READ_SAFETENSORS_PY, toRawMap } from './torch-interop.js';

const NC = 5;
const SIZE = 65;
const TOL = 1e-4;

/** One model: how shapeseg builds it, the output stride it runs at, and how its weights reach Python. */
interface Case {
  name: string;
  opts: DeepLabV3PlusOptions;
  /** Built at opts.outputStride, then switched here with setOutputStride (Python builds at this one directly). */
  runAt: OutputStride;
  /** 'bare': model.stateDict() as safetensors; 'export': a training checkpoint through `shapeseg export` to .pth. */
  via: 'bare' | 'export';
}

/** The case PyTorch saves back as VainF's train script does ({cur_itrs, model_state, best_score}). */
const VAINF_BACK = 'vainf-separable';

const CASES: Case[] = [
  { name: 'paper', opts: { numClasses: NC, outputStride: 16, decoderConvs: 2, auxLoss: true }, runAt: 16, via: 'bare' },
  { name: 'paper-separable-os8', opts: { numClasses: NC, outputStride: 16, decoderConvs: 2, separableConv: true }, runAt: 8, via: 'export' },
  { name: 'vainf-separable', opts: { numClasses: NC, outputStride: 16, decoderConvs: 1, separableConv: true }, runAt: 16, via: 'bare' },
];

/**
 * argv: io.safetensors (x, <case>.out, <case>.aux), then a JSON list of {name, file, outputStride, decoderConvs,
 * separable, aux, saveAs?}. With saveAs the loaded model is saved back as VainF's train script saves it.
 */
const TORCH_PY = String.raw`
import json, struct, sys, torch
from torch import nn
from torch.nn import functional as F
from torchvision.models import resnet18
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.segmentation.deeplabv3 import ASPP
from torchvision.models.segmentation.fcn import FCNHead

torch.set_num_threads(1)
${READ_SAFETENSORS_PY}

# VainF network/_deeplab.py DeepLabHeadV3Plus; decoder_convs=1 is VainF's classifier, 2 the paper's
class DeepLabHeadV3Plus(nn.Module):
    def __init__(self, in_channels, low_level_channels, num_classes, aspp_dilate, decoder_convs):
        super().__init__()
        self.project = nn.Sequential(nn.Conv2d(low_level_channels, 48, 1, bias=False), nn.BatchNorm2d(48), nn.ReLU(inplace=True))
        self.aspp = ASPP(in_channels, aspp_dilate)
        layers, ch = [], 304
        for _ in range(decoder_convs):
            layers += [nn.Conv2d(ch, 256, 3, padding=1, bias=False), nn.BatchNorm2d(256), nn.ReLU(inplace=True)]
            ch = 256
        self.classifier = nn.Sequential(*layers, nn.Conv2d(256, num_classes, 1))

    def forward(self, feature):
        low_level_feature = self.project(feature['low_level'])
        output_feature = self.aspp(feature['out'])
        output_feature = F.interpolate(output_feature, size=low_level_feature.shape[2:], mode='bilinear', align_corners=False)
        return self.classifier(torch.cat([low_level_feature, output_feature], dim=1))

# VainF network/_deeplab.py, verbatim
class AtrousSeparableConvolution(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, bias=bias, groups=in_channels),
            nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, padding=0, bias=bias),
        )

    def forward(self, x):
        return self.body(x)

def convert_to_separable_conv(module):
    new_module = module
    if isinstance(module, nn.Conv2d) and module.kernel_size[0] > 1:
        new_module = AtrousSeparableConvolution(module.in_channels, module.out_channels, module.kernel_size,
                                                module.stride, module.padding, module.dilation, module.bias)
    for name, child in module.named_children():
        new_module.add_module(name, convert_to_separable_conv(child))
    return new_module

def dilate_basic(net, plan):
    # torchvision ResNet._make_layer's stride/dilation logic, applied to BasicBlocks (both 3x3 convs dilated)
    dilation = 1
    for i, layer in enumerate([net.layer1, net.layer2, net.layer3, net.layer4]):
        stride, previous = (1 if i == 0 else 2), dilation
        if i > 0 and plan[i - 1]:
            dilation, stride = dilation * stride, 1
        for b, blk in enumerate(layer):
            s, d = (stride, previous) if b == 0 else (1, dilation)
            blk.conv1.stride, blk.conv1.dilation, blk.conv1.padding = (s, s), (d, d), (d, d)
            blk.conv2.dilation, blk.conv2.padding = (d, d), (d, d)
            if blk.downsample is not None:
                blk.downsample[0].stride = (s, s)

class Model(nn.Module):
    # VainF's _SimpleSegmentationModel plus torchvision's aux head
    def __init__(self, backbone, classifier, aux_classifier):
        super().__init__()
        self.backbone, self.classifier, self.aux_classifier = backbone, classifier, aux_classifier

    def forward(self, x):
        size = x.shape[-2:]
        f = self.backbone(x)
        out = {'out': F.interpolate(self.classifier(f), size=size, mode='bilinear', align_corners=False)}
        if self.aux_classifier is not None:
            out['aux'] = F.interpolate(self.aux_classifier(f['aux']), size=size, mode='bilinear', align_corners=False)
        return out

def build(c):
    net = resnet18(weights=None)
    dilate_basic(net, [False, True, True] if c['outputStride'] == 8 else [False, False, True])
    layers = {'layer1': 'low_level', 'layer4': 'out'}
    if c['aux']:
        layers['layer3'] = 'aux'
    head = DeepLabHeadV3Plus(512, 64, ${NC}, [12, 24, 36] if c['outputStride'] == 8 else [6, 12, 18], c['decoderConvs'])
    if c['separable']:
        head = convert_to_separable_conv(head)
    return Model(IntermediateLayerGetter(net, layers), head, FCNHead(256, ${NC}) if c['aux'] else None)

ref, _ = read_safetensors(sys.argv[1])
for c in json.loads(sys.argv[2]):
    sd = torch.load(c['file']) if c['file'].endswith('.pth') else read_safetensors(c['file'])[0]
    model = build(c)
    model.load_state_dict(sd, strict=True)  # raises on any missing/unexpected key or shape mismatch
    model.eval()
    if c.get('saveAs'):
        torch.save({'cur_itrs': 3, 'model_state': model.state_dict(), 'best_score': 0.0}, c['saveAs'])
    with torch.no_grad():
        o = model(ref['x'])
    n = c['name']
    print(json.dumps({
        'name': n,
        'loaded': len(sd),
        'out': (o['out'] - ref[n + '.out']).abs().max().item(),
        'aux': (o['aux'] - ref[n + '.aux']).abs().max().item() if c['aux'] else 0,
        'outAbsMax': ref[n + '.out'].abs().max().item(),
    }))
`;

interface TorchResult {
  name: string;
  loaded: number;
  out: number;
  aux: number;
  outAbsMax: number;
}

describe('a shapeseg DeepLabV3+ loads into a PyTorch rebuild of VainF’s model with the same logits', { skip: skipWithoutTorch(true) }, () => {
  let dir = '';
  let threads = 1;
  const stateKeys = new Map<string, number>();
  const io = new Map<string, RawTensor>();
  const results = new Map<string, TorchResult>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
    threads = getNumThreads();
    setNumThreads(1); // as the Python side: identical reduction orders
    manualSeed(0);
    const x = fixedInput(SIZE);
    io.set('x', x.toRaw());
    const specs: object[] = [];
    for (const c of CASES) {
      const model = createDeepLabV3Plus('deeplabv3plus_resnet18', c.opts);
      try {
        randomiseBatchNorm(model, [2, 3, SIZE, SIZE]);
        const m = model.setOutputStride(c.runAt).eval();
        const sd = m.stateDict();
        stateKeys.set(c.name, sd.size);
        noGrad(() =>
          tidy(() => {
            const o = m.forward(x);
            io.set(`${c.name}.out`, o.out.toRaw());
            if (o.aux) io.set(`${c.name}.aux`, o.aux.toRaw());
          }),
        );
        let file = path.join(dir, `${c.name}.safetensors`);
        if (c.via === 'bare') writeSafetensors(file, toRawMap(sd));
        else {
          // a training checkpoint as the trainer writes it, then `shapeseg export` (inspect + infer V3+ from keys)
          saveCheckpoint(file, sd, new Map(), {
            step: 3,
            phase: 0,
            rngState: new Uint8Array([1]),
            loaderState: { epoch: 0, index: 3 },
            configHash: 'test',
            bestMIoU: null,
            config: { model: { name: 'deeplabv3plus_resnet18', numClasses: NC } },
          });
          const out = path.join(dir, `${c.name}.pth`);
          await buildProgram().parseAsync(['node', 'shapeseg', 'export', '--checkpoint', file, '--out', out]);
          file = out;
        }
        const { decoderConvs = 2, separableConv = false, auxLoss = false } = c.opts;
        const saveAs = c.name === VAINF_BACK ? path.join(dir, 'vainf-checkpoint.pth') : undefined;
        specs.push({ name: c.name, file, outputStride: c.runAt, decoderConvs, separable: separableConv, aux: auxLoss, saveAs });
      } finally {
        model.dispose();
      }
    }
    x.dispose();
    const ioFile = path.join(dir, 'io.safetensors');
    writeSafetensors(ioFile, io);
    const stdout = runPython(TORCH_PY, { args: [ioFile, JSON.stringify(specs)], timeoutMs: 120_000 });
    for (const line of stdout.trim().split('\n')) {
      const r = JSON.parse(line) as TorchResult;
      results.set(r.name, r);
    }
  });

  after(() => {
    setNumThreads(threads);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    const what = `decoderConvs ${c.opts.decoderConvs}${c.opts.separableConv ? ', separable' : ''}, OS ${c.runAt}${c.opts.auxLoss ? ', aux' : ''}`;
    it(`${c.name} (${what}; ${c.via === 'bare' ? 'bare safetensors' : '`shapeseg export` .pth'}): strict load, eval logits within ${TOL}`, () => {
      const r = results.get(c.name);
      assert.ok(r, `the Python side reported nothing for ${c.name}`);
      assert.equal(r.loaded, stateKeys.get(c.name), `${c.name}: torch loaded ${r.loaded} tensors, shapeseg's state dict has ${stateKeys.get(c.name)}`);
      // non-trivial logits, else a tiny diff would prove nothing
      assert.ok(r.outAbsMax > 1e-2, `shapeseg's logits are near zero (max |out| ${r.outAbsMax})`);
      assert.ok(r.out <= TOL, `${c.name}: out logits differ by ${r.out} (max abs; tolerance ${TOL})`);
      assert.ok(r.aux <= TOL, `${c.name}: aux logits differ by ${r.aux} (max abs; tolerance ${TOL})`);
    });
  }

  it("a checkpoint PyTorch saved as VainF's train script does ({model_state: …}) loads with readModelCheckpoint: the same logits", () => {
    const { model, info } = readModelCheckpoint(path.join(dir, 'vainf-checkpoint.pth'), { outputStride: 16 });
    try {
      assert.deepEqual(
        [info.kind, info.name, info.numClasses, info.decoderConvs, info.separableConv, info.auxLoss],
        ['torchvision', 'deeplabv3plus_resnet18', NC, 1, true, false],
      );
      const d = noGrad(() =>
        tidy(() =>
          model
            .forward(fromRaw(io.get('x')!))
            .out.sub(fromRaw(io.get(`${VAINF_BACK}.out`)!))
            .abs()
            .amax()
            .item(),
        ),
      );
      assert.ok(d <= TOL, `logits differ by ${d}`);
    } finally {
      model.dispose();
    }
  });
});
