// Training options that change how, not what, is computed: channels-last, bf16 autocast, cuDNN
// autotuning. On the CPU each must follow the fp32 NCHW loss curve within its own tolerance.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readModelCheckpoint } from '../../src/eval/load-model.js';
import type { DeepLabModel } from '../../src/models/index.js';
import * as T from '../../src/tensor/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { readMetricsLog, type TrainLogLine } from '../../src/train/metrics-log.js';
import { train } from '../../src/train/trainer.js';
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
});

/** The eval-mode main-head logits of `model` on `x`. */
function logits(model: DeepLabModel, x: T.Tensor): Float32Array {
  return T.noGrad(() => T.tidy(() => model.forward(x, { aux: false }).out.toArray() as Float32Array));
}

// Tensor.toRaw() writes row-major (NCHW) bytes whatever the memory format, so a checkpoint of a channels-last
// run is an ordinary one: re-saving channels-last weights gives the file's bytes, and an NCHW model computes
// the same logits (the kernels differ, so to float rounding; the same channels-last model reloaded: exactly).
test('a channels-last checkpoint holds row-major weights: it loads into a fresh NCHW model with the same outputs', () => {
  const t = T.randn([2, 3, 4, 5]);
  const cl = t.contiguous('channelsLast');
  assert.ok(cl.isContiguous('channelsLast') && !cl.isContiguous());
  assert.ok(Buffer.from(cl.toRaw().data).equals(Buffer.from(t.toRaw().data)), 'toRaw() of a channels-last tensor is row-major');
  cl.dispose();
  t.dispose();

  const file = path.join(tmp, 'channels-last', 'checkpoints', 'step-00000006.safetensors');
  const saved = readCheckpoint(file).model;
  const a = readModelCheckpoint(file, { channelsLast: true }).model;
  const a2 = readModelCheckpoint(file, { channelsLast: true }).model;
  const b = readModelCheckpoint(file, { channelsLast: false }).model;
  const x = T.randn([1, 3, 24, 32]);
  try {
    const conv = a.backbone.conv1.weight;
    assert.ok(conv.isContiguous('channelsLast') && !conv.isContiguous(), 'conv weights are channels-last');
    for (const [k, v] of a.stateDict()) assert.ok(Buffer.from(v.toRaw().data).equals(Buffer.from(saved.get(k)!.data)), `${k}: bytes differ`);
    const ya = logits(a, x);
    assert.deepEqual(logits(a2, x), ya);
    const yb = logits(b, x);
    let maxAbs = 0;
    let scale = 0;
    for (let i = 0; i < ya.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(ya[i]! - yb[i]!));
      scale = Math.max(scale, Math.abs(yb[i]!));
    }
    console.log(`channels-last vs NCHW model from the same checkpoint: max |logit diff| ${maxAbs.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
    assert.ok(maxAbs <= 1e-4 * Math.max(1, scale), `logits differ by ${maxAbs}`);
  } finally {
    x.dispose();
    for (const m of [a, a2, b]) m.dispose();
  }
});

// Momentum buffers, RNG and loader position come back exactly with channels-last on too.
test('a channels-last run stopped at step 3 and resumed ends bitwise equal to the uninterrupted one', async () => {
  const cfg = tinyConfig(data, { phases: [{ steps: 6, outputStride: 16, freezeBN: false }], valEvery: 6, checkpointEvery: 6, channelsLast: true });
  const dir = path.join(tmp, 'channels-last-resumed');
  assert.equal((await train({ config: cfg, runDir: dir, progress: 'off', stopAfter: 3 })).step, 3);
  assert.equal((await train({ config: cfg, runDir: dir, progress: 'off', resume: true })).step, 6);
  const a = readCheckpoint(path.join(tmp, 'channels-last', 'checkpoints', 'step-00000006.safetensors'));
  const b = readCheckpoint(path.join(dir, 'checkpoints', 'step-00000006.safetensors'));
  for (const [what, x, y] of [
    ['model', a.model, b.model],
    ['momentum', a.momentum, b.momentum],
  ] as const) {
    assert.deepEqual([...y.keys()], [...x.keys()]);
    assert.ok(x.size > 0);
    for (const [k, t] of x) assert.ok(Buffer.from(t.data).equals(Buffer.from(y.get(k)!.data)), `${what} ${k} differs after resume`);
  }
  assert.deepEqual(b.state.rngState, a.state.rngState);
  const losses = (d: string) =>
    readMetricsLog(path.join(d, 'metrics.jsonl'))
      .filter((l): l is TrainLogLine => 'loss' in l)
      .map((l) => [l.step, l.loss]);
  assert.deepEqual(losses(dir), losses(path.join(tmp, 'channels-last')));
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
  assert.ok(!fs.existsSync(path.join(tmp, 'fp16')), 'nothing written to the run folder');
});
