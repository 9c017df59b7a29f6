// data.workers: training and validation through data-worker threads give bit-identical results to loading on the
// main thread (samples are a pure function of (seed, epoch, index)), and the setting is validated by name.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { readMetricsLog } from '../../src/train/metrics-log.js';
import { train } from '../../src/train/trainer.js';
import { tinyConfig, writeTinyKitti } from '../train/fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-workers-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('training with data.workers 0 and 2: same weights, momentum, losses and validation', async () => {
  const root = path.join(tmp, 'kitti');
  await writeTinyKitti(root, 4);
  const data = { layout: 'kitti', root, labelSpace: 'vkitti-kitti' };
  const phases = { phases: [{ steps: 3, outputStride: 16, freezeBN: false }], valEvery: 3, checkpointEvery: 3 };
  const runs: Record<number, string> = {};
  for (const workers of [0, 2]) {
    const cfg = tinyConfig(root, phases, { data: { train: data, val: { ...data, ids: ['000000_10'] }, workers } });
    assert.equal(cfg.data.workers, workers);
    runs[workers] = path.join(tmp, 'runs', `w${workers}`);
    const r = await train({ config: cfg, runDir: runs[workers]!, progress: 'off' });
    assert.equal(r.step, 3);
  }
  const ck = (w: number) => readCheckpoint(path.join(runs[w]!, 'checkpoints', 'step-00000003.safetensors'));
  const [a, b] = await Promise.all([ck(0), ck(2)]);
  for (const [k, t] of a.model) assert.ok(Buffer.from(t.data).equals(Buffer.from(b.model.get(k)!.data)), `model ${k} differs with workers`);
  for (const [k, t] of a.momentum) assert.ok(Buffer.from(t.data).equals(Buffer.from(b.momentum.get(k)!.data)), `momentum ${k} differs with workers`);
  assert.deepEqual(b.state.loaderState, a.state.loaderState);
  const numbers = (w: number) => readMetricsLog(path.join(runs[w]!, 'metrics.jsonl')).map((l) => ('loss' in l ? l.loss : l.val));
  assert.deepEqual(numbers(2), numbers(0));
});

test('data.workers must be a non-negative integer; omitted it stays unset (one per core at run time)', () => {
  const data = { layout: 'kitti', root: '/d', labelSpace: 'vkitti-kitti' };
  assert.equal(parseConfig({ data: { train: data } }).data.workers, undefined);
  assert.throws(() => parseConfig({ data: { train: data, workers: -1 } }), /data\.workers/);
  assert.throws(() => parseConfig({ data: { train: data, workers: 1.5 } }), /data\.workers/);
});
