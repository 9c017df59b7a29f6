// Test helpers for data-parallel runs: tiny configs on disk and weight comparisons between runs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { float32Arrays } from '../../src/io/raw-tensor.js';
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
  const ck = readCheckpoint(path.join(runDir, 'checkpoints', `step-${String(step).padStart(8, '0')}.safetensors`));
  return float32Arrays(ck.model);
}

/** Asserts two runs' weights at step agree up to float rounding (gradients summed in a different order). */
export async function assertSameWeights(a: string, b: string, step: number): Promise<void> {
  assertCloseWeights(await readWeights(a, step), await readWeights(b, step), `weights of ${a} and ${b} at step ${step}`);
}

/** The largest |a − b| / (1e-3 + |a|) over the float32 tensors of two state dicts with the same keys. */
export function worstRelativeDifference(wa: Map<string, Float32Array>, wb: Map<string, Float32Array>): number {
  assert.deepEqual([...wa.keys()], [...wb.keys()], 'different keys');
  let worst = 0;
  for (const [k, x] of wa) {
    const y = wb.get(k)!;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / (1e-3 + Math.abs(x[i]!)));
  }
  return worst;
}

/** Asserts two sets of weights have the same keys and agree within relative 1e-3 (1e-3 absolute near 0); returns the worst. */
export function assertCloseWeights(wa: Map<string, Float32Array>, wb: Map<string, Float32Array>, what: string): number {
  const worst = worstRelativeDifference(wa, wb);
  assert.ok(worst < 1e-3, `${what} differ: worst relative difference ${worst}`);
  return worst;
}
