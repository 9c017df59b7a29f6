// SyncBatchNorm over 2 processes computes what BatchNorm2d computes over their concatenated batch.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWorkers, withoutGloo } from './spawn.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sync-bn-worker.js');

test('SyncBatchNorm on 2 ranks = BatchNorm2d on the global batch: output, gradients, running statistics', { skip: withoutGloo }, async () => {
  const results = await runWorkers(worker, 2);
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    for (const k of ['y', 'dx', 'dw', 'db', 'runningMean', 'runningVar']) {
      assert.ok(out[k]! < 2e-5, `rank ${r.rank}: ${k} differs by ${out[k]}`);
    }
    assert.equal(out.nbt, 1);
  }
});
