// Test helpers for data-parallel runs: tiny configs on disk and weight comparisons between runs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { tinyConfig } from '../train/fixtures.js';

/** Writes <dir>/<name>.json: the tiny config (frozen BN, aux head with its dropout), `steps` steps of per-process batch b. */
export function writeRunConfig(
  dir: string,
  data: string,
  name: string,
  o: { batchSize: number; steps?: number; train?: Record<string, unknown>; extra?: Record<string, unknown> },
): string {
  const cfg = tinyConfig(
    data,
    {
      batchSize: o.batchSize,
      phases: [{ steps: o.steps ?? 3, outputStride: 16, freezeBN: true }],
      valEvery: 0,
      checkpointEvery: 1,
      keepLast: 50,
      ...o.train,
    },
    { data: { train: { layout: 'kitti', root: data, labelSpace: 'vkitti-kitti' } }, ...o.extra },
  );
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

/** The float32 model tensors of a run's step checkpoint. */
export async function readWeights(runDir: string, step: number): Promise<Map<string, Float32Array>> {
  const ck = await readCheckpoint(path.join(runDir, 'checkpoints', `step-${String(step).padStart(8, '0')}.safetensors`));
  const out = new Map<string, Float32Array>();
  for (const [k, raw] of ck.model) if (raw.dtype === 'float32') out.set(k, new Float32Array(raw.data.slice().buffer));
  return out;
}

/** Asserts two runs' weights at step agree up to float rounding (gradients summed in a different order). */
export async function assertSameWeights(a: string, b: string, step: number): Promise<void> {
  const [wa, wb] = [await readWeights(a, step), await readWeights(b, step)];
  assert.deepEqual([...wa.keys()], [...wb.keys()]);
  let worst = 0;
  for (const [k, x] of wa) {
    const y = wb.get(k)!;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / (1e-3 + Math.abs(x[i]!)));
  }
  assert.ok(worst < 1e-3, `weights of ${a} and ${b} differ at step ${step}: worst relative difference ${worst}`);
}
