import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';
import { CheckpointDir, readCheckpoint, saveCheckpoint, type TrainState } from '../../src/train/checkpoint.js';
import { MetricsLog, readMetricsLog, truncateMetricsLog } from '../../src/train/metrics-log.js';
import { configDiff } from '../../src/train/run-dir.js';

function inTmp(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
    try {
      await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'checkpoint round trip: model, momentum, RNG, loader position, metadata',
  inTmp((dir) => {
    const model = new Map([
      ['conv.weight', T.tensor([1.5, -2, 3, 4], [1, 1, 2, 2], { dtype: 'float32' })],
      ['bn.num_batches_tracked', T.tensor([7], [], { dtype: 'int64' })],
    ]);
    const momentum = new Map([['conv.weight', T.tensor([0.25, 0, 0, 1], [1, 1, 2, 2], { dtype: 'float32' })]]);
    T.manualSeed(3);
    const state: TrainState = {
      step: 12,
      phase: 1,
      rngState: T.getRngState(),
      loaderState: { epoch: 2, indexInEpoch: 4 },
      configHash: 'abc',
      bestMIoU: 0.5,
      config: { model: { name: 'deeplabv3_resnet18' } },
      extras: { scaler: { scale: 1024, growthTracker: 3 } },
    };
    const ckpts = new CheckpointDir(path.join(dir, 'checkpoints'), 2);
    for (const step of [3, 6, 12]) saveCheckpoint(ckpts.stepFile(step), model, momentum, { ...state, step });
    ckpts.prune();
    assert.deepEqual(fs.readdirSync(ckpts.dir).sort(), ['step-00000006.safetensors', 'step-00000012.safetensors']);
    assert.equal(ckpts.latest(), ckpts.stepFile(12));

    const ck = readCheckpoint(ckpts.stepFile(12));
    assert.deepEqual([...ck.model.keys()], ['conv.weight', 'bn.num_batches_tracked']);
    assert.deepEqual(ck.model.get('conv.weight'), model.get('conv.weight')!.toRaw());
    assert.deepEqual(ck.model.get('bn.num_batches_tracked'), model.get('bn.num_batches_tracked')!.toRaw());
    assert.deepEqual(ck.momentum.get('conv.weight'), momentum.get('conv.weight')!.toRaw());
    assert.deepEqual(ck.state, state);
    for (const t of [...model.values(), ...momentum.values()]) t.dispose();

    // something else is not a training checkpoint
    const other = path.join(dir, 'other.safetensors');
    fs.writeFileSync(other, 'nope');
    assert.throws(() => readCheckpoint(other));
  }),
);

test(
  'metrics log appends JSON lines and truncates after a step on resume',
  inTmp((dir) => {
    const file = path.join(dir, 'metrics.jsonl');
    const log = new MetricsLog(file);
    for (let step = 1; step <= 4; step++) log.write({ step, phase: 0, loss: step === 4 ? NaN : 1 / step, lr: 0.01, imagesPerSec: 5, time: step });
    log.write({ step: 2, val: { mIoU: 0.5, pixelAcc: 0.9, perClass: [0.5, null] } });
    log.close();
    fs.appendFileSync(file, '{"step": 5, "pha'); // torn line from a crash
    const lines = readMetricsLog(file);
    assert.equal(lines.length, 5);
    assert.equal((lines[3] as { loss: unknown }).loss, null); // non-finite numbers are written as null
    truncateMetricsLog(file, 2);
    assert.deepEqual(
      readMetricsLog(file).map((l) => l.step),
      [1, 2, 2],
    );
  }),
);

test('configDiff lists changed fields', () => {
  assert.deepEqual(configDiff({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { b: 2, c: [1, 2] }, e: true }), [
    'a.b: 1 → 2',
    'd: "x" → (unset)',
    'e: (unset) → true',
  ]);
});
