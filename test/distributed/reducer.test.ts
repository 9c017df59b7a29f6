// The gradient all-reduce overlapped with backward (native/distributed_reducer.cc) against the all-reduce after
// backward and the sum computed in one process.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWorkers, withoutGloo } from './spawn.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reducer-worker.js');

test('buckets reduced during backward give the summed gradients; backward launches most of them', { skip: withoutGloo }, async () => {
  const results = await runWorkers(worker, 2);
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | number[]>;
    assert.ok((out.buckets as number) >= 3, `several buckets (${out.buckets})`);
    // the last bucket holds the unused Linear: only finish() can launch it
    assert.ok((out.launchedDuringBackward as number) >= 1, `buckets launched during backward: ${out.launchedDuringBackward}`);
    assert.ok((out.overlapVsLocal as number) < 1e-5, `overlapped vs local sum: ${out.overlapVsLocal}`);
    assert.ok((out.afterVsLocal as number) < 1e-5, `after backward vs local sum: ${out.afterVsLocal}`);
    assert.deepEqual(out.unusedGrad, [0, 0, 0, 0], 'a parameter backward never reached gets zeros');
  }
});
