// bf16 autocast on the CPU (train.amp: bf16): which ops run in bf16 and which keep fp32 (libtorch 1.13's
// CPU autocast policy), what a bf16 run writes to its checkpoints, and that its resume is exact.
// The loss curve against fp32 is checked in options.test.ts.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createDeepLabV3 } from '../../src/models/index.js';
import { SGD } from '../../src/optim/index.js';
import * as T from '../../src/tensor/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { segmentationLoss } from '../../src/train/loss.js';
import { readMetricsLog, type TrainLogLine } from '../../src/train/metrics-log.js';
import { resolveAmp } from '../../src/train/setup.js';
import { train } from '../../src/train/trainer.js';
import { tinyConfig, writeTinyKitti } from './fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
const data = path.join(tmp, 'kitti');
// 5 images, batch 2: a stop at step 3 lands mid-epoch
await writeTinyKitti(data, 5);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// CPU bf16 autocast needs no bf16 instructions (oneDNN and ATen emulate them, slower); skip only if libtorch refuses it
let refused: string | false = false;
try {
  T.tidy(() => T.autocast('cpu', 'bfloat16', () => T.F.conv2d(T.randn([1, 2, 4, 4]), T.randn([2, 2, 3, 3]), null)));
} catch (e) {
  refused = `libtorch refuses CPU bf16 autocast here: ${e instanceof Error ? e.message : String(e)}`;
}

/** The largest |a - b| / (|b| + floor) over two float arrays of one length. */
function maxRel(a: Float32Array, b: Float32Array, floor: number): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + floor));
  return m;
}

const f32 = (t: T.Tensor): Float32Array => t.float().toArray() as Float32Array;

// libtorch 1.13's CPU autocast registers convs (and linear/matmul) for bf16 and losses for fp32; BatchNorm has no
// AutocastCPU kernel, so it takes its input's dtype: bf16 after a conv, with fp32 weight, bias and running
// statistics (the mixed-dtype CPU kernel), computing in fp32 and rounding only its output to bf16.
test('under CPU bf16 autocast a training step runs convs in bf16, the loss in fp32, and keeps every parameter, grad and BN statistic fp32', {
  skip: refused,
}, () => {
  T.manualSeed(0);
  const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 5, outputStride: 16, auxLoss: true });
  const live = T.liveTensorCount();
  const x = T.randn([2, 3, 33, 33]);
  const labels = T.randint(0, 5, [2, 33, 33], { dtype: 'int64' });
  const opt = SGD.forParameters(model.namedParameters(), { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
  try {
    model.train();
    T.tidy(() => {
      const loss = T.autocast('cpu', 'bfloat16', () => {
        assert.equal(model.backbone.conv1.forward(x).dtype, 'bfloat16', 'conv output inside autocast');
        const outputs = model.forward(x);
        // the logits come out of a conv (then bilinear upsampling, which keeps the dtype)
        assert.equal(outputs.out.dtype, 'bfloat16');
        assert.equal(outputs.aux?.dtype, 'bfloat16');
        return segmentationLoss(outputs, labels);
      });
      assert.equal(loss.dtype, 'float32', 'cross-entropy is on the fp32 list');
      assert.ok(Number.isFinite(loss.item()));
      loss.backward();
    });
    for (const [k, p] of model.namedParameters()) assert.equal(p.grad?.dtype, 'float32', `grad of ${k}`);
    opt.step();
    let bn = 0;
    for (const [k, t] of model.stateDict()) {
      assert.equal(t.dtype, k.endsWith('num_batches_tracked') ? 'int64' : 'float32', k);
      if (k.endsWith('running_var')) bn++;
    }
    assert.ok(bn >= 20, `${bn} BatchNorm layers checked`);
    // one training forward counted in every BN
    assert.equal(model.backbone.bn1.numBatchesTracked?.item(), 1);
  } finally {
    opt.zeroGrad();
    opt.dispose();
    for (const t of [x, labels]) t.dispose();
  }
  assert.equal(T.liveTensorCount(), live, 'no tensor leaked by the step');
  model.dispose();
});

test('BatchNorm on a bf16 activation under autocast: bf16 output, fp32 statistics computed in fp32', { skip: refused }, () => {
  T.tidy(() => {
    T.manualSeed(1);
    const c = 64;
    const xb = T.randn([2, c, 17, 17]).mul(3).add(1).to('bfloat16');
    const weight = T.rand([c]).add(0.5);
    const bias = T.randn([c]);
    const stats = () => [T.zeros([c]), T.ones([c])] as const;
    const [rmB, rvB] = stats();
    const [rmF, rvF] = stats();
    const yb = T.autocast('cpu', 'bfloat16', () => T.F.batchNorm(xb, rmB, rvB, weight, bias, true, 0.1, 1e-5));
    // the same values in fp32 outside autocast: the reference computation
    const yf = T.F.batchNorm(xb.float(), rmF, rvF, weight, bias, true, 0.1, 1e-5);
    assert.equal(yb.dtype, 'bfloat16', 'BN keeps its input dtype (no autocast rule)');
    assert.equal(yf.dtype, 'float32', 'an fp32 input stays fp32 inside autocast too');
    for (const t of [rmB, rvB]) assert.equal(t.dtype, 'float32');
    // bf16 statistics would be off by ~4e-3 (8-bit mantissa); fp32 accumulation agrees to fp32 rounding
    const dm = maxRel(f32(rmB), f32(rmF), 1e-3);
    const dv = maxRel(f32(rvB), f32(rvF), 1e-3);
    assert.ok(dm <= 1e-5 && dv <= 1e-5, `running stats differ from fp32 by ${dm}, ${dv} (relative)`);
    // the output is the fp32 result rounded once to bf16: within one bf16 ulp (2^-8 relative)
    const dy = maxRel(f32(yb), f32(yf), 1e-2);
    assert.ok(dy <= 2 ** -8, `BN output differs from fp32 by ${dy} relative`);
  });
});

/** A bf16 run of 6 steps (4 at OS 16, 2 at OS 8 with frozen BN), checkpoints at 3 and 6. */
const bf16Config = () => tinyConfig(data, { amp: 'bf16', valEvery: 6 });
const run = (name: string) => path.join(tmp, 'runs', name);
const ckpt = (dir: string, step: number) => path.join(dir, 'checkpoints', `step-${String(step).padStart(8, '0')}.safetensors`);

test('a bf16 run writes checkpoints of fp32 weights, statistics and momentum only (int64 BN counters)', { skip: refused }, async () => {
  const r = await train({ config: bf16Config(), runDir: run('full'), progress: 'off' });
  assert.equal(r.step, 6);
  const ck = readCheckpoint(ckpt(run('full'), 6));
  assert.ok(ck.model.size > 0 && ck.momentum.size > 0);
  for (const [k, t] of ck.model) assert.equal(t.dtype, k.endsWith('num_batches_tracked') ? 'int64' : 'float32', `model ${k}`);
  for (const [k, t] of ck.momentum) assert.equal(t.dtype, 'float32', `momentum ${k}`);
  assert.ok(
    [...ck.model.keys()].some((k) => k.endsWith('num_batches_tracked')),
    'BN counters are saved',
  );
});

test('a bf16 run stopped at step 3 and resumed ends bitwise equal to the uninterrupted one', { skip: refused }, async () => {
  const dir = run('resumed');
  assert.equal((await train({ config: bf16Config(), runDir: dir, progress: 'off', stopAfter: 3 })).step, 3);
  assert.equal((await train({ config: bf16Config(), runDir: dir, progress: 'off', resume: true })).step, 6);
  const a = readCheckpoint(ckpt(run('full'), 6));
  const b = readCheckpoint(ckpt(dir, 6));
  for (const [what, x, y] of [
    ['model', a.model, b.model],
    ['momentum', a.momentum, b.momentum],
  ] as const) {
    assert.deepEqual([...y.keys()], [...x.keys()]);
    for (const [k, t] of x) assert.ok(Buffer.from(t.data).equals(Buffer.from(y.get(k)!.data)), `${what} ${k} differs after resume`);
  }
  assert.deepEqual(b.state.rngState, a.state.rngState);
  assert.deepEqual(b.state.loaderState, a.state.loaderState);
  const losses = (d: string) =>
    readMetricsLog(path.join(d, 'metrics.jsonl'))
      .filter((l): l is TrainLogLine => 'loss' in l)
      .map((l) => [l.step, l.loss]);
  assert.deepEqual(losses(dir), losses(run('full')));
});

test('train.amp auto: bf16 on a CPU with BF16 instructions, fp32 without them and on CUDA, saying why', () => {
  const before = process.env.SHAPESEG_CPU_BF16;
  try {
    process.env.SHAPESEG_CPU_BF16 = '1';
    const on = resolveAmp('auto', 'cpu');
    assert.equal(on.amp, 'bf16');
    assert.match(on.reason!, /bf16 autocast, the CPU has BF16 instructions \(SHAPESEG_CPU_BF16=1\)/);
    process.env.SHAPESEG_CPU_BF16 = '0';
    assert.deepEqual(resolveAmp('auto', 'cpu').amp, false);
    assert.equal(resolveAmp('auto', 'cuda').amp, false);
    // an explicit setting is kept as it is, with nothing to say
    assert.deepEqual(resolveAmp('bf16', 'cpu'), { amp: 'bf16', reason: null });
    assert.deepEqual(resolveAmp(false, 'cpu'), { amp: false, reason: null });
  } finally {
    if (before === undefined) delete process.env.SHAPESEG_CPU_BF16;
    else process.env.SHAPESEG_CPU_BF16 = before;
  }
});
