// train.loss through the trainer: two steps with each option on (class weights recorded and read back on resume,
// OHEM in both modes, Lovász added and alone), and the combinations the config refuses, naming the field.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import type { ClassWeightsRecord } from '../../src/train/class-weights.js';
import { readMetricsLog, type TrainLogLine } from '../../src/train/metrics-log.js';
import { train } from '../../src/train/trainer.js';
import { tinyConfig, writeTinyKitti } from './fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-loss-'));
const data = path.join(tmp, 'kitti');
await writeTinyKitti(data, 3);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const dataCfg = { layout: 'kitti', root: data, labelSpace: 'vkitti-kitti' };
/** Two steps, no validation, with `loss` as train.loss. */
const config = (loss: Record<string, unknown>) => tinyConfig(data, { phases: [{ steps: 2 }], checkpointEvery: 1, loss }, { data: { train: dataCfg } });

async function twoSteps(name: string, loss: Record<string, unknown>): Promise<number[]> {
  const dir = path.join(tmp, 'runs', name);
  const r = await train({ config: config(loss), runDir: dir, progress: 'off' });
  assert.equal(r.step, 2);
  const losses = readMetricsLog(path.join(dir, 'metrics.jsonl'))
    .filter((l): l is TrainLogLine => 'loss' in l)
    .map((l) => l.loss);
  assert.equal(losses.length, 2);
  for (const l of losses) assert.ok(Number.isFinite(l) && l > 0, `${name}: loss ${l}`);
  return losses;
}

test('two training steps with each option on', async () => {
  await twoSteps('ohem-loss', { ohem: { thresh: null, minKept: 50 } });
  await twoSteps('pure-lovasz', { crossEntropy: 0, lovasz: 1 });
  // OHEM's default thresh mode, Lovász added to the cross-entropy, formula weights with a clamp
  await twoSteps('all', { classWeights: 'inverse-log', maxWeight: 10, ohem: { minKept: 100 }, lovasz: 1 });
});

test('class weights: counted once, recorded in the run folder, read back by a resumed run', async () => {
  const dir = path.join(tmp, 'runs', 'weights');
  const cfg = config({ classWeights: 'median-frequency' });
  const part = await train({ config: cfg, runDir: dir, progress: 'off', stopAfter: 1 });
  assert.equal(part.interrupted, true);
  const file = path.join(dir, 'class-weights.json');
  const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as ClassWeightsRecord;
  assert.equal(rec.formula, 'median-frequency');
  assert.equal(rec.weights.length, cfg.model.numClasses);
  // the fixture's four classes are present, the other classes of the label space absent (weight 0)
  assert.equal(rec.weights.filter((w) => w > 0).length, 4);
  assert.equal(
    rec.histogram!.pixels.reduce((a, b) => a + b, 0),
    3 * 32 * 24,
  );
  fs.writeFileSync(file, JSON.stringify({ ...rec, weights: rec.weights.map((w) => w * 2) }));
  const rest = await train({ config: cfg, runDir: dir, progress: 'off', resume: true });
  assert.equal(rest.step, 2);
  assert.deepEqual(
    (JSON.parse(fs.readFileSync(file, 'utf8')) as ClassWeightsRecord).weights,
    rec.weights.map((w) => w * 2),
    'read back, not recounted',
  );
});

test('refused combinations name the field', () => {
  const cfg =
    (train: unknown, augment: unknown = {}) =>
    () =>
      parseConfig({ data: { train: dataCfg }, train, augment });
  assert.throws(cfg({ loss: { crossEntropy: 0 } }), /train\.loss\.crossEntropy: .*lovasz are both 0/);
  assert.throws(cfg({ loss: { ohem: { thresh: 1.5 } } }), /train\.loss\.ohem\.thresh/);
  assert.throws(cfg({ loss: { ohem: { minKept: 1 } } }), /train\.loss\.ohem\.minKept/);
  assert.throws(cfg({ loss: { lovasz: -1 } }), /train\.loss\.lovasz/);
  assert.throws(cfg({ loss: { ohem: {} } }, { debias: { gamma: 0.8 } }), /train\.loss\.ohem: is not supported with augment\.debias soft targets/);
  assert.throws(cfg({ loss: { lovasz: 1 } }, { debias: { gamma: 0.8 } }), /train\.loss\.lovasz: is not supported/);
  // class weights compose with the soft target; gamma 1 is the plain target
  assert.doesNotThrow(cfg({ loss: { classWeights: 'inverse-log' } }, { debias: { gamma: 0.8 } }));
  assert.doesNotThrow(cfg({ loss: { ohem: {}, lovasz: 1 } }, { debias: { gamma: 1 } }));
  // the defaults are today's loss
  assert.deepEqual(parseConfig({ data: { train: dataCfg } }).train.loss, { crossEntropy: 1, lovasz: 0, classWeights: 'none' });
});
