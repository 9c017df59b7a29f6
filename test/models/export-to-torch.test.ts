// Interop the other way round from the parity suites: a DeepLabV3 that shapeseg built and wrote (a bare
// safetensors state dict, and a training checkpoint's `model.*` tensors) loads strictly into torchvision 0.14's
// deeplabv3_resnet50 and gives the same eval-mode logits. The Python side parses safetensors by hand (the
// Debian Python has no `safetensors` package), so this also checks our writer against the format spec.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import type { RawTensor } from '../../src/io/index.js';
import { writeSafetensors } from '../../src/io/index.js';
import type { DeepLabV3 } from '../../src/models/index.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { getNumThreads, manualSeed, noGrad, setNumThreads, tidy } from '../../src/tensor/index.js';
import { saveCheckpoint, TRAIN_CHECKPOINT_FORMAT } from '../../src/train/index.js';
import { randomiseBatchNorm } from '../helpers/batchnorm.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';
import { fixedInput, READ_SAFETENSORS_PY, toRawMap } from './torch-interop.js';

const NC = 5;
const SIZE = 65;
const TOL = 1e-4;

/**
 * argv: io.safetensors (x, out, aux), then checkpoint files, each `path:prefix`. For each checkpoint it keeps the
 * tensors under `prefix` (prefix stripped), loads them strictly into torchvision's deeplabv3_resnet50 and prints a
 * JSON line with the max abs differences of out/aux against shapeseg's, and the tensors it did not load.
 */
const TORCH_PY = String.raw`
import json, struct, sys, torch
from torchvision.models.segmentation import deeplabv3_resnet50

torch.set_num_threads(1)
${READ_SAFETENSORS_PY}
ref, _ = read_safetensors(sys.argv[1])
for spec in sys.argv[2:]:
    file, prefix = spec.rsplit(':', 1)
    tensors, meta = (torch.load(file), {}) if file.endswith('.pth') else read_safetensors(file)
    sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    skipped = sorted(k for k in tensors if not k.startswith(prefix))
    model = deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=${NC}, aux_loss=True)
    model.load_state_dict(sd, strict=True)  # raises on any missing/unexpected key or shape mismatch
    model.eval()
    with torch.no_grad():
        o = model(ref['x'])
    print(json.dumps({
        'file': file,
        'format': meta.get('format'),
        'loaded': len(sd),
        'skipped': skipped,
        'out': (o['out'] - ref['out']).abs().max().item(),
        'aux': (o['aux'] - ref['aux']).abs().max().item(),
        'outAbsMax': ref['out'].abs().max().item(),
    }))
`;

interface TorchResult {
  file: string;
  format: string | null;
  loaded: number;
  skipped: string[];
  out: number;
  aux: number;
  outAbsMax: number;
}

describe('a shapeseg-written DeepLabV3 checkpoint loads in torchvision 0.14 with the same logits', { skip: skipWithoutTorch(true) }, () => {
  let dir = '';
  let threads = 1;
  let model: DeepLabV3 | null = null;
  let stateKeys = 0;
  const results = new Map<string, TorchResult>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
    threads = getNumThreads();
    setNumThreads(1); // as the Python side: identical reduction orders
    manualSeed(0);
    model = createDeepLabV3('deeplabv3_resnet50', { numClasses: NC, outputStride: 8, auxLoss: true });
    randomiseBatchNorm(model, [2, 3, SIZE, SIZE]);
    const m = model.eval();
    const sd = m.stateDict();
    stateKeys = sd.size;

    const io = noGrad(() =>
      tidy(() => {
        const x = fixedInput(SIZE);
        const o = m.forward(x);
        assert.ok(o.aux, 'model built with auxLoss has no aux output');
        return new Map<string, RawTensor>([
          ['x', x.toRaw()],
          ['out', o.out.toRaw()],
          ['aux', o.aux.toRaw()],
        ]);
      }),
    );
    const ioFile = path.join(dir, 'io.safetensors');
    writeSafetensors(ioFile, io);

    // 1. the bare state dict (what a user exports for torchvision)
    const modelFile = path.join(dir, 'model.safetensors');
    writeSafetensors(modelFile, toRawMap(sd));

    // 2. a training checkpoint: model.* plus optimizer momentum, run state in the metadata
    const trainFile = path.join(dir, 'step-00000007.safetensors');
    const [name0, p0] = [...m.namedParameters()][0]!;
    const momentum = new Map([[name0, p0.detach().mul(0.5)]]);
    saveCheckpoint(trainFile, sd, momentum, {
      step: 7,
      phase: 0,
      rngState: new Uint8Array([1, 2, 3]),
      loaderState: { epoch: 0, index: 7 },
      configHash: 'test',
      bestMIoU: null,
      config: { model: { name: 'deeplabv3_resnet50', numClasses: NC } },
    });
    for (const t of momentum.values()) t.dispose();

    // 3. `shapeseg export` of that training checkpoint to a torch.save-format .pth
    const exportFile = path.join(dir, 'exported.pth');
    const program = buildProgram();
    await program.parseAsync(['node', 'shapeseg', 'export', '--checkpoint', trainFile, '--out', exportFile]);

    const stdout = runPython(TORCH_PY, { args: [ioFile, `${modelFile}:`, `${trainFile}:model.`, `${exportFile}:`], timeoutMs: 120_000 });
    for (const line of stdout.trim().split('\n')) {
      const r = JSON.parse(line) as TorchResult;
      results.set(path.basename(r.file), r);
    }
  });

  after(() => {
    setNumThreads(threads);
    model?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function check(file: string): TorchResult {
    const r = results.get(file);
    assert.ok(r, `the Python side reported nothing for ${file}`);
    assert.equal(r.loaded, stateKeys, `${file}: torch loaded ${r.loaded} tensors, shapeseg's state dict has ${stateKeys}`);
    // Non-trivial logits, else a tiny diff would prove nothing.
    assert.ok(r.outAbsMax > 1e-2, `shapeseg's logits are near zero (max |out| ${r.outAbsMax})`);
    assert.ok(r.out <= TOL, `${file}: out logits differ from torchvision's by ${r.out} (max abs; tolerance ${TOL})`);
    assert.ok(r.aux <= TOL, `${file}: aux logits differ from torchvision's by ${r.aux} (max abs; tolerance ${TOL})`);
    return r;
  }

  it('bare state dict (safetensors) → load_state_dict(strict=True), eval logits out/aux within 1e-4', () => {
    const r = check('model.safetensors');
    assert.deepEqual(r.skipped, []);
    console.log(`model.safetensors: max abs diff out ${r.out.toExponential(2)}, aux ${r.aux.toExponential(2)} (max |out| ${r.outAbsMax.toFixed(3)})`);
  });

  it("training checkpoint's model.* tensors → load_state_dict(strict=True), same logits", () => {
    const r = check('step-00000007.safetensors');
    assert.equal(r.format, TRAIN_CHECKPOINT_FORMAT);
    assert.ok(r.skipped.length === 1 && r.skipped[0]!.startsWith('optim.momentum.'), `unexpected non-model tensors: ${r.skipped.join(', ')}`);
    console.log(`training checkpoint: max abs diff out ${r.out.toExponential(2)}, aux ${r.aux.toExponential(2)}`);
  });

  it('`shapeseg export` of a training checkpoint → torch.load + load_state_dict(strict=True), same logits', () => {
    const r = check('exported.pth');
    assert.deepEqual(r.skipped, []);
  });
});
