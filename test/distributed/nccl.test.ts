// NCCL on the GPU (scripts/gpu/run.sh runs this with SHAPESEG_TEST_DEVICE=cuda): one process per GPU, the
// collectives of the gradient reducer on CUDA tensors, overlapped with backward, against the local sum.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { D } from '../../src/distributed/native.js';
import { cudaDeviceCount } from '../../src/tensor/index.js';
import { runWorkers } from './spawn.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reducer-worker.js');
const skip =
  process.env.SHAPESEG_TEST_DEVICE !== 'cuda'
    ? 'a GPU check (SHAPESEG_TEST_DEVICE=cuda)'
    : !D.distBackends().includes('nccl')
      ? 'the addon was built without NCCL (nccl.h not found: see scripts/find-libtorch.mjs)'
      : false;

test('NCCL: gradients reduced during backward on every GPU equal the local sum', { skip }, async () => {
  const gpus = cudaDeviceCount();
  const results = await runWorkers(worker, gpus, { DEVICE: 'cuda', BACKEND: 'nccl' });
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    process.stderr.write(`[nccl] ${gpus} GPU(s), rank ${r.rank}: ${JSON.stringify(out)}\n`);
    assert.ok(out.launchedDuringBackward! >= 1);
    assert.ok(out.overlapVsLocal! < 1e-4 && out.afterVsLocal! < 1e-4);
  }
});
