// Training options that change how, not what, is computed: channels-last, bf16 autocast, cuDNN
// autotuning. On the CPU each must follow the fp32 NCHW loss curve within its own tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetricsLog, type TrainLogLine } from '../../src/train/metrics-log.js';
import { train } from '../../src/train/trainer.js';
import { readModelCheckpoint } from '../../src/eval/load-model.js';
import { tinyConfig, writeTinyKitti } from './fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
const data = path.join(tmp, 'kitti');
await writeTinyKitti(data, 4);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** One phase of 6 steps at OS 16, logged every step; `train` overrides the option under test. */
async function lossCurve(name: string, options: Record<string, unknown>): Promise<number[]> {
  const cfg = tinyConfig(data, { phases: [{ steps: 6, outputStride: 16, freezeBN: false }], valEvery: 6, checkpointEvery: 6, ...options });
  await train({ config: cfg, runDir: path.join(tmp, name), progress: 'off' });
  return readMetricsLog(path.join(tmp, name, 'metrics.jsonl'))
    .filter((l): l is TrainLogLine => 'loss' in l)
    .map((l) => l.loss);
}

/** Largest relative difference between two loss curves of the same length. */
function maxRelDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.abs(b[i]!)));
}

const baseline = await lossCurve('fp32', {});

test('the fp32 baseline learns (its loss falls)', () => {
  assert.equal(baseline.length, 6);
  assert.ok(baseline[5]! < baseline[0]!, `loss ${baseline.join(', ')}`);
});

// The same maths in another kernel order: the first loss agrees to float rounding; later steps drift apart
// as rounding differences pass through SGD and batch-2 BatchNorm (measured: 6e-7 at step 1, 3e-2 by step 6).
test('channels-last weights and inputs follow the fp32 loss curve (step 1: 1e-5, all steps: 5e-2 relative)', async () => {
  const curve = await lossCurve('channels-last', { channelsLast: true });
  const first = maxRelDiff(curve.slice(0, 1), baseline.slice(0, 1));
  const d = maxRelDiff(curve, baseline);
  console.log(`channels-last: relative loss difference ${first.toExponential(2)} at step 1, max ${d.toExponential(2)}`);
  assert.ok(first <= 1e-5 && d <= 5e-2, `channels-last loss ${curve.join(', ')} vs ${baseline.join(', ')}`);
  // the checkpoint holds row-major bytes: it loads into a fresh (NCHW) model
  const { model } = await readModelCheckpoint(path.join(tmp, 'channels-last', 'checkpoints', 'step-00000006.safetensors'), { channelsLast: false });
  model.dispose();
});

// bf16 keeps 8 bits of mantissa: measured 4.7e-2 at most over the 6 steps on this machine's CPU.
test('bf16 autocast follows the fp32 loss curve (step 1: 1e-2, all steps: 1e-1 relative)', async () => {
  const curve = await lossCurve('bf16', { amp: 'bf16' });
  const first = maxRelDiff(curve.slice(0, 1), baseline.slice(0, 1));
  const d = maxRelDiff(curve, baseline);
  console.log(`bf16 autocast: relative loss difference ${first.toExponential(2)} at step 1, max ${d.toExponential(2)}`);
  assert.ok(first <= 1e-2 && d <= 1e-1, `bf16 loss ${curve.join(', ')} vs ${baseline.join(', ')}`);
});

test('cudnnBenchmark is accepted on the CPU and changes nothing', async () => {
  assert.deepEqual(await lossCurve('cudnn-benchmark', { cudnnBenchmark: true }), baseline);
});

test('fp16 autocast on the CPU is refused naming train.amp', async () => {
  const cfg = tinyConfig(data, { amp: 'fp16' });
  await assert.rejects(train({ config: cfg, runDir: path.join(tmp, 'fp16'), progress: 'off' }), /train\.amp: fp16 autocast needs a CUDA device/);
});
