import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { readMetricsLog, type TrainLogLine, type ValLogLine } from '../../src/train/metrics-log.js';
import { TrainingDivergedError, train } from '../../src/train/trainer.js';
import { shapeseg, writeYaml } from '../e2e/cli.js';
import { tinyConfig, writeTinyKitti } from './fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
const data = path.join(tmp, 'kitti');
// 5 images, batch 2: two batches an epoch, so a stop at step 3 lands mid-epoch
await writeTinyKitti(data, 5);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (name: string) => path.join(tmp, 'runs', name);

test('a run writes its directory; a stopped run resumed ends with exactly the same weights', async () => {
  const live = T.liveTensorCount();
  const cfg = tinyConfig(data);
  const full = await train({ config: cfg, runDir: run('full'), progress: 'off' });
  assert.equal(full.step, 6);
  assert.equal(full.interrupted, false);
  assert.equal(T.liveTensorCount(), live, 'no tensor leaked by a training run');

  const r = run('full');
  for (const f of ['config.json', 'files.json', 'metrics.jsonl', 'tb', 'checkpoints', 'eval']) assert.ok(fs.existsSync(path.join(r, f)), f);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(r, 'config.json'), 'utf8')), JSON.parse(JSON.stringify(cfg)));
  const files = JSON.parse(fs.readFileSync(path.join(r, 'files.json'), 'utf8')) as { train: { files: string[] } };
  assert.deepEqual(
    files.train.files,
    ['000000_10', '000001_10', '000002_10', '000003_10', '000004_10'].map((s) => `training/image_2/${s}.png\ttraining/semantic/${s}.png`),
  );
  assert.deepEqual(fs.readdirSync(path.join(r, 'checkpoints')).sort(), [
    'best.json',
    'best.safetensors',
    'step-00000004.safetensors',
    'step-00000006.safetensors',
  ]);
  assert.deepEqual(fs.readdirSync(path.join(r, 'eval')).sort(), ['step-00000003.json', 'step-00000006.json']);
  assert.equal(fs.readdirSync(path.join(r, 'tb')).filter((f) => f.startsWith('events.out.tfevents.')).length, 1);
  const lines = readMetricsLog(path.join(r, 'metrics.jsonl'));
  const trainLines = lines.filter((l): l is TrainLogLine => 'loss' in l);
  assert.deepEqual(
    trainLines.map((l) => [l.step, l.phase]),
    [
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
      [5, 1],
      [6, 1],
    ],
  );
  for (const l of trainLines) assert.ok(Number.isFinite(l.loss) && l.lr > 0 && l.imagesPerSec > 0 && l.time >= 0);
  const val = lines.filter((l): l is ValLogLine => 'val' in l);
  assert.deepEqual(
    val.map((l) => l.step),
    [3, 6],
  );
  assert.equal(val[0]!.val.perClass.length, 10);

  // interrupted after 3 steps, then resumed
  const part = await train({ config: cfg, runDir: run('resumed'), progress: 'off', stopAfter: 3 });
  assert.equal(part.interrupted, true);
  assert.equal(part.step, 3);
  await assert.rejects(train({ config: cfg, runDir: run('resumed'), progress: 'off' }), /already holds checkpoints.*--resume/);
  const rest = await train({ config: cfg, runDir: run('resumed'), progress: 'off', resume: true });
  assert.equal(rest.step, 6);

  const a = readCheckpoint(path.join(run('full'), 'checkpoints', 'step-00000006.safetensors'));
  const b = readCheckpoint(path.join(run('resumed'), 'checkpoints', 'step-00000006.safetensors'));
  assert.deepEqual([...b.model.keys()], [...a.model.keys()]);
  for (const [k, t] of a.model) assert.ok(Buffer.from(t.data).equals(Buffer.from(b.model.get(k)!.data)), `model ${k} differs after resume`);
  assert.deepEqual([...b.momentum.keys()], [...a.momentum.keys()]);
  for (const [k, t] of a.momentum) assert.ok(Buffer.from(t.data).equals(Buffer.from(b.momentum.get(k)!.data)), `momentum ${k} differs after resume`);
  assert.deepEqual(b.state.rngState, a.state.rngState);
  assert.deepEqual(b.state.loaderState, a.state.loaderState);
  assert.deepEqual(a.state.loaderState, { epoch: 3, indexInEpoch: 0 });
  assert.equal(b.state.step, 6);
  // the resumed run's log has each step once, with the same losses
  const la = readMetricsLog(path.join(run('full'), 'metrics.jsonl')).filter((l): l is TrainLogLine => 'loss' in l);
  const lb = readMetricsLog(path.join(run('resumed'), 'metrics.jsonl')).filter((l): l is TrainLogLine => 'loss' in l);
  assert.deepEqual(
    lb.map((l) => [l.step, l.loss]),
    la.map((l) => [l.step, l.loss]),
  );
});

test('a non-finite loss stops training naming the step; the last good checkpoint stays intact', async () => {
  const cfg = tinyConfig(data, {
    phases: [
      { steps: 2, outputStride: 16, freezeBN: false },
      { steps: 4, outputStride: 16, freezeBN: false, lr: 1e30 },
    ],
    valEvery: 0,
    checkpointEvery: 0,
  });
  const dir = run('nan');
  let err: unknown;
  try {
    await train({ config: cfg, runDir: dir, progress: 'off' });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof TrainingDivergedError, `expected TrainingDivergedError, got ${String(err)}`);
  assert.ok(err.step >= 4, `diverged at step ${err.step}`);
  const good = path.join(dir, 'checkpoints', 'step-00000002.safetensors');
  assert.match(err.message, new RegExp(`loss is (NaN|-?Infinity) at step ${err.step} .*last good checkpoint is ${good.replace(/[.\\/]/g, '\\$&')}`));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')), ['step-00000002.safetensors']);
  const ck = readCheckpoint(good);
  assert.equal(ck.state.step, 2);
  for (const [k, t] of ck.model) {
    if (t.dtype !== 'float32') continue;
    const f = new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
    assert.ok(f.every(Number.isFinite), `${k} finite`);
  }
});

test('setup errors name the field: missing backbone file, unavailable CUDA', async () => {
  const missing = path.join(tmp, 'nope', 'resnet18.pth');
  await assert.rejects(
    train({ config: tinyConfig(data, {}, { model: { name: 'deeplabv3_resnet18', pretrainedBackbone: missing } }), runDir: run('nobackbone'), progress: 'off' }),
    new RegExp(`^Error: model\\.pretrainedBackbone: file not found: ${missing.replace(/[.\\/]/g, '\\$&')}`),
  );
  if (!T.cudaIsAvailable()) {
    await assert.rejects(
      train({ config: tinyConfig(data, { device: 'cuda' }), runDir: run('cuda'), progress: 'off' }),
      /train\.device is cuda but CUDA is not available/,
    );
  }
  await assert.rejects(train({ config: tinyConfig(data), runDir: run('fresh'), progress: 'off', resume: true }), /--resume: no checkpoint in/);
});

test('a dataset smaller than one batch stops `shapeseg train` with an error, and the data workers do not keep it alive', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  try {
    await writeTinyKitti(path.join(dir, 'data'), 3);
    const cfg = tinyConfig(path.join(dir, 'data'), { batchSize: 8 }, {});
    const file = writeYaml(path.join(dir, 'c.yaml'), { ...cfg, data: { ...cfg.data, workers: 2 } });
    const r = shapeseg(dir, 'train', file, '--run-dir', path.join(dir, 'run'), '--no-progress');
    assert.notEqual(r.status, null, 'the process did not exit by itself');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /fewer than one batch/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
