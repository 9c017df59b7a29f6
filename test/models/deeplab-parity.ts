// Shared by the DeepLabV3 parity test files: torchvision 0.14 builds the reference model once per file,
// saves weights + inputs + expected outputs/gradients as .pth, and shapeseg must reproduce them.
// SHAPESEG_TEST_DEVICE=cuda runs both sides on the GPU in fp32 with TF32 off (scripts/gpu/run.sh), same tolerances.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPth } from '../../src/io/index.js';
import type { DeepLabV3, OutputStride } from '../../src/models/index.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import type { Device, RawTensor, Tensor } from '../../src/tensor/index.js';
import { F, fromRaw, getNumThreads, manualSeed, noGrad, setAllowTF32, setNumThreads, tidy } from '../../src/tensor/index.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';

/** Reference script: argv = arch, outdir, output strides to take gradients at (comma-separated). Random init, BN stats/affine randomised so eval mode is non-trivial. */
const REFERENCE_PY = String.raw`
import sys, torch
import torch.nn.functional as F
from torchvision.models import resnet50, resnet101
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.segmentation.deeplabv3 import DeepLabV3, DeepLabHead, ASPP
from torchvision.models.segmentation.fcn import FCNHead

arch, outdir, grad_os, dev = sys.argv[1], sys.argv[2], [int(v) for v in sys.argv[3].split(',')], torch.device(sys.argv[4])
NC, N, H, W = 5, 2, 65, 65
torch.set_num_threads(1)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.manual_seed(0)
cpu = lambda t: t.detach().cpu()

def build(os_):
    rswd = [False, True, True] if os_ == 8 else [False, False, True]
    net = {'resnet50': resnet50, 'resnet101': resnet101}[arch](weights=None, replace_stride_with_dilation=rswd)
    backbone = IntermediateLayerGetter(net, {'layer4': 'out', 'layer3': 'aux'})
    head = DeepLabHead(2048, NC)  # torchvision hard-codes rates 12,24,36 (its OS-8 build)
    if os_ == 16:
        head[0] = ASPP(2048, [6, 12, 18])
    return DeepLabV3(backbone, head, FCNHead(1024, NC)).to(dev)

model = build(8)
bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
with torch.no_grad():
    # random affine, running stats from real batch statistics (keeps eval activations O(1)), then perturbed
    for m in bns:
        m.weight.uniform_(0.8, 1.2); m.bias.normal_(0, 0.1)
        m.reset_running_stats(); m.momentum = None
    model.train(); model(torch.randn(N, 3, H, W).to(dev))
    for m in bns:
        m.momentum = 0.1
        m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.9, 1.1))
        m.running_mean.add_(0.02 * torch.randn_like(m.running_mean))
        m.num_batches_tracked.fill_(7)
sd = model.state_dict()
torch.save({k: cpu(v) for k, v in sd.items()}, f'{outdir}/weights.pth')

x = torch.randn(N, 3, H, W)
target = torch.randint(0, NC, (N, H, W))
target[:, :9, :13] = 255
target[torch.rand(N, H, W) < 0.1] = 255
ref = {'x': x, 'target': target}
for os_ in (8, 16):
    m = build(os_); m.load_state_dict(sd)
    m.eval()
    with torch.no_grad():
        o = m(x.to(dev))
    ref[f'eval{os_}.out'] = cpu(o['out']); ref[f'eval{os_}.aux'] = cpu(o['aux'])
    m.train()
    torch.manual_seed(123)  # dropout draws
    o = m(x.to(dev))
    loss = F.cross_entropy(o['out'], target.to(dev), ignore_index=255) + 0.5 * F.cross_entropy(o['aux'], target.to(dev), ignore_index=255)
    if os_ in grad_os:
        loss.backward()
        for name, p in m.named_parameters():
            ref[f'grad{os_}.{name}'] = cpu(p.grad)
    ref[f'train{os_}.out'] = cpu(o['out']); ref[f'train{os_}.aux'] = cpu(o['aux'])
    ref[f'train{os_}.loss'] = cpu(loss)
    for k, v in m.state_dict().items():
        if k.endswith(('running_mean', 'running_var', 'num_batches_tracked')):
            ref[f'train{os_}.{k}'] = cpu(v).clone()
torch.save(ref, f'{outdir}/ref.pth')
`;

const DEVICE = (process.env.SHAPESEG_TEST_DEVICE ?? 'cpu') as Device;
const OUT_TOL = 1e-4;
const GRAD_REL_TOL = 1e-4;

function maxAbsDiff(a: Tensor, b: RawTensor): number {
  return tidy(() => {
    const r = fromRaw(b);
    assert.deepEqual(a.shape, r.shape);
    return a.detach().to('cpu').sub(r).abs().amax().item();
  });
}

/** ‖a − b‖ / ‖b‖ (0 when both vanish). */
function relDiff(a: Tensor, b: RawTensor): number {
  return tidy(() => {
    const r = fromRaw(b);
    const ref = r.pow(2).sum().sqrt().item();
    const diff = a.to('cpu').sub(r).pow(2).sum().sqrt().item();
    return ref === 0 ? diff : diff / ref;
  });
}

function must(ref: Map<string, RawTensor>, key: string): RawTensor {
  const v = ref.get(key);
  assert.ok(v, `reference output lacks ${key}`);
  return v;
}

/**
 * Registers the parity suite for one backbone (the reference is built once in before()). Gradients are
 * compared at `gradientsAt` only (each costs a backward pass on both sides and a full-size gradient file).
 */
export function deeplabParitySuite(arch: 'resnet50' | 'resnet101', gradientsAt: OutputStride[] = [8, 16]): void {
  const skip = skipWithoutTorch(true);
  describe(`deeplabv3_${arch} matches torchvision 0.14 on ${DEVICE}`, { skip }, () => {
    let dir = '';
    let weights = new Map<string, RawTensor>();
    let ref = new Map<string, RawTensor>();
    let x: Tensor;
    let target: Tensor;
    let threads = 1;
    let model: DeepLabV3 | null = null;

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
      runPython(REFERENCE_PY, { args: [arch, dir, gradientsAt.join(','), DEVICE], timeoutMs: 300_000 });
      weights = readPth(path.join(dir, 'weights.pth'));
      ref = readPth(path.join(dir, 'ref.pth'));
      x = fromRaw(must(ref, 'x'), DEVICE);
      target = fromRaw(must(ref, 'target'), DEVICE);
      if (DEVICE !== 'cpu') setAllowTF32({ cublas: false, cudnn: false });
      threads = getNumThreads();
      setNumThreads(1); // same as the reference: identical reduction orders
    });

    after(() => {
      setNumThreads(threads);
      model?.dispose();
      x?.dispose();
      target?.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A model freshly built at `os` (the first time) or the same one switched with setOutputStride. */
    function modelAt(os: OutputStride): DeepLabV3 {
      if (model === null) model = createDeepLabV3(`deeplabv3_${arch}`, { numClasses: 5, outputStride: os, auxLoss: true }).to(DEVICE);
      else model.setOutputStride(os);
      model.loadStateDict(weights);
      model.zeroGrad();
      return model;
    }

    for (const os of [8, 16] as const) {
      it(`eval logits (out and aux) at output stride ${os}`, () => {
        const m = modelAt(os).eval();
        const o = noGrad(() => m.forward(x));
        assert.ok(o.aux);
        const dOut = maxAbsDiff(o.out, must(ref, `eval${os}.out`));
        const dAux = maxAbsDiff(o.aux, must(ref, `eval${os}.aux`));
        o.out.dispose();
        o.aux.dispose();
        assert.ok(dOut <= OUT_TOL, `out max abs diff ${dOut}`);
        assert.ok(dAux <= OUT_TOL, `aux max abs diff ${dAux}`);
      });

      const withGrads = gradientsAt.includes(os);
      const what = withGrads ? "logits, loss, running stats and every parameter's gradient" : 'logits, loss and running stats';
      it(`train mode at output stride ${os}: ${what}`, () => {
        const m = modelAt(os).train();
        manualSeed(123); // same dropout draws as the reference
        tidy(() => {
          const o = m.forward(x);
          assert.ok(o.aux);
          const loss = F.crossEntropy(o.out, target, { ignoreIndex: 255 }).add(F.crossEntropy(o.aux, target, { ignoreIndex: 255 }), 0.5);
          if (withGrads) loss.backward();
          assert.ok(maxAbsDiff(o.out, must(ref, `train${os}.out`)) <= OUT_TOL, 'train out');
          assert.ok(maxAbsDiff(o.aux, must(ref, `train${os}.aux`)) <= OUT_TOL, 'train aux');
          assert.ok(maxAbsDiff(loss, must(ref, `train${os}.loss`)) <= 1e-5, 'loss');
        });
        const sd = m.stateDict();
        let statKeys = 0;
        for (const [k, v] of ref) {
          if (!k.startsWith(`train${os}.`) || !/(running_mean|running_var|num_batches_tracked)$/.test(k)) continue;
          const name = k.slice(`train${os}.`.length);
          const mine = sd.get(name);
          assert.ok(mine, `model lacks ${name}`);
          const d = maxAbsDiff(mine, v);
          assert.ok(d <= 1e-5, `${name} after a train step differs by ${d}`);
          statKeys++;
        }
        assert.ok(statKeys > 100);
        if (!withGrads) return;
        const bad: string[] = [];
        let checked = 0;
        for (const [name, p] of m.namedParameters()) {
          const g = p.grad;
          assert.ok(g, `no gradient for ${name}`);
          const r = relDiff(g, must(ref, `grad${os}.${name}`));
          g.dispose();
          if (!(r <= GRAD_REL_TOL)) bad.push(`${name}: ${r.toExponential(2)}`);
          checked++;
        }
        assert.equal(checked, [...weights.keys()].filter((k) => !/running_|num_batches/.test(k)).length);
        assert.deepEqual(bad, [], `gradients off by more than ${GRAD_REL_TOL} (relative):\n${bad.join('\n')}`);
      });
    }
  });
}
