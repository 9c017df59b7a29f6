// A DeepLabV3+ through the trainer as a DeepLabV3 goes: bf16 autocast, an OS-16 phase then an OS-8 phase with frozen
// BatchNorm, a stop and an exact resume, then its checkpoint read back (architecture from the keys) and evaluated.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { openDataset } from '../../src/data/open.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { readModelCheckpoint } from '../../src/eval/load-model.js';
import { DeepLabV3Plus } from '../../src/models/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { train } from '../../src/train/trainer.js';
import { tinyConfig, writeTinyKitti } from './fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
const data = path.join(tmp, 'kitti');
await writeTinyKitti(data, 4);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('deeplabv3plus_resnet18 trains (bf16, two phases), resumes exactly, and its checkpoint loads and evaluates', async () => {
  const cfg = tinyConfig(
    data,
    {
      amp: 'bf16',
      phases: [
        { steps: 2, outputStride: 16, freezeBN: false },
        { steps: 1, outputStride: 8, freezeBN: true },
      ],
      valEvery: 3,
      checkpointEvery: 2,
    },
    { model: { name: 'deeplabv3plus_resnet18', auxLoss: true, decoderConvs: 1, separableConv: true } },
  );
  const full = await train({ config: cfg, runDir: path.join(tmp, 'full'), progress: 'off' });
  assert.equal(full.step, 3);
  const part = await train({ config: cfg, runDir: path.join(tmp, 'resumed'), progress: 'off', stopAfter: 2 });
  assert.equal(part.step, 2);
  const rest = await train({ config: cfg, runDir: path.join(tmp, 'resumed'), progress: 'off', resume: true });
  assert.equal(rest.step, 3);

  const last = (run: string) => path.join(tmp, run, 'checkpoints', 'step-00000003.safetensors');
  const a = readCheckpoint(last('full'));
  const b = readCheckpoint(last('resumed'));
  assert.ok(a.model.has('classifier.classifier.0.body.0.weight') && a.model.has('aux_classifier.4.weight'));
  for (const [k, t] of a.model) assert.ok(Buffer.from(t.data).equals(Buffer.from(b.model.get(k)!.data)), `model ${k} differs after resume`);

  const { model, info } = readModelCheckpoint(last('resumed'), { outputStride: 8 });
  try {
    assert.ok(model instanceof DeepLabV3Plus);
    assert.equal(info.name, 'deeplabv3plus_resnet18');
    assert.deepEqual([info.decoderConvs, info.separableConv, info.auxLoss, info.trainedOutputStride], [1, true, true, 8]);
    const val = await openDataset(cfg.data.val!);
    const r = await evaluate(model, val, { labelSpace: val.labelSpace, device: 'cpu' });
    assert.equal(r.images, 2);
    assert.equal(r.metrics.perClassIoU.length, 10);
  } finally {
    model.dispose();
  }
});
