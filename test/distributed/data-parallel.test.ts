// Data-parallel training is single-process training with the global batch: 2 processes × batch 1 give the
// losses and weights of 1 process × batch 2 (BatchNorm frozen: without SyncBatchNorm, batch statistics differ),
// and a run stopped under one process count resumes under another.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { readMetricsLog, type TrainLogLine } from '../../src/train/metrics-log.js';
import { tinyConfig, writeTinyKitti } from '../train/fixtures.js';
import { runWorkers } from './spawn.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'train-worker.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-dp-'));
const data = path.join(tmp, 'kitti');
await writeTinyKitti(data, 4);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes the tiny config (3 steps, frozen BN, aux head with its dropout) with per-process batch b. */
function config(name: string, batchSize: number): string {
  const cfg = tinyConfig(data, {
    batchSize, phases: [{ steps: 3, outputStride: 16, freezeBN: true }], valEvery: 0, checkpointEvery: 1, keepLast: 5,
  }, { data: { train: { layout: 'kitti', root: data, labelSpace: 'vkitti-kitti' } } });
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

async function trainRun(name: string, procs: number, batchSize: number, args: string[] = []): Promise<string> {
  const runDir = path.join(tmp, 'runs', name);
  // one process: a plain run (empty variables count as unset)
  const env: Record<string, string> = procs === 1 ? { WORLD_SIZE: '', RANK: '' } : {};
  const results = await runWorkers(worker, procs, env, [config(name, batchSize), runDir, ...args]);
  for (const r of results) assert.equal(r.code, 0, `${name} rank ${r.rank}: ${r.stderr}`);
  return runDir;
}

const losses = (runDir: string) => readMetricsLog(path.join(runDir, 'metrics.jsonl'))
  .filter((l): l is TrainLogLine => 'loss' in l).map((l) => [l.step, l.loss] as const);

async function weights(runDir: string, step: number): Promise<Map<string, Float32Array>> {
  const ck = await readCheckpoint(path.join(runDir, 'checkpoints', `step-${String(step).padStart(8, '0')}.safetensors`));
  const out = new Map<string, Float32Array>();
  for (const [k, raw] of ck.model) if (raw.dtype === 'float32') out.set(k, new Float32Array(raw.data.slice().buffer));
  return out;
}

async function assertSameWeights(a: string, b: string, step: number): Promise<void> {
  const [wa, wb] = [await weights(a, step), await weights(b, step)];
  assert.deepEqual([...wa.keys()], [...wb.keys()]);
  let worst = 0;
  for (const [k, x] of wa) {
    const y = wb.get(k)!;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / (1e-3 + Math.abs(x[i]!)));
  }
  // gradients summed over ranks instead of inside one backward: float rounding only
  assert.ok(worst < 1e-3, `weights differ at step ${step}: worst relative difference ${worst}`);
}

test('2 processes × batch 1 train like 1 process × batch 2; a stopped run resumes with another process count', async () => {
  const single = await trainRun('single', 1, 2);
  const dual = await trainRun('dual', 2, 1);
  const [ls, ld] = [losses(single), losses(dual)];
  assert.deepEqual(ld.map(([s]) => s), [1, 2, 3]);
  for (let i = 0; i < ls.length; i++) assert.ok(Math.abs(ls[i]![1] - ld[i]![1]) < 1e-4 * Math.abs(ls[i]![1]), `loss at step ${i + 1}: ${ls[i]![1]} vs ${ld[i]![1]}`);
  await assertSameWeights(single, dual, 3);
  // only rank 0 wrote: one TensorBoard file, one metrics line per step
  assert.equal(fs.readdirSync(path.join(dual, 'tb')).length, 1);

  // stopped after step 1 with 2 processes, finished by 1 process with the same global batch
  const mixed = await trainRun('mixed', 2, 1, ['--stop-after', '1']);
  await trainRun('mixed', 1, 2, ['--resume']);
  await assertSameWeights(single, mixed, 3);
});
