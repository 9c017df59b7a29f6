// Two node processes on localhost joined over c10d (TCPStore + Gloo): collectives and failure reports.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWorkers, type WorkerResult, withoutGloo } from './spawn.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'collectives-worker.js');

function lastJson(r: WorkerResult): Record<string, unknown> {
  const line = r.stdout.trim().split('\n').pop();
  assert.ok(line, `rank ${r.rank} printed nothing (exit ${r.code}): ${r.stderr}`);
  return JSON.parse(line) as Record<string, unknown>;
}

test('allReduce, broadcast, allGather and barrier across two processes', { skip: withoutGloo }, async () => {
  const results = await runWorkers(worker, 2);
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r);
    assert.deepEqual(out.a, [3, 30]); // (1 + 2), (10 + 20)
    assert.deepEqual(out.b, [1, 1, 1, 1, 1, 1]); // 0 + 1
    assert.deepEqual(out.max, [1]);
    assert.deepEqual(out.c, [100, 101]); // rank 1's
    assert.deepEqual(out.gathered, [
      [0, 0],
      [1, -1],
    ]);
  }
});

test('a rank that exits makes the other fail promptly, naming it', { skip: withoutGloo }, async (t) => {
  const timeoutMs = 8000;
  const [r0, r1] = await runWorkers(worker, 2, { FAULT: 'exit', TIMEOUT_MS: String(timeoutMs) });
  assert.equal(r1!.code, 3);
  assert.equal(r0!.code, 1, r0!.stderr);
  const err = String(lastJson(r0!).error);
  assert.match(err, /failed on rank 0 of 2/);
  assert.match(err, /rank 1 died/);
  t.diagnostic(err);
  assert.ok(r0!.elapsedMs < timeoutMs + 10_000, `took ${r0!.elapsedMs} ms`);
});

test('when rank 0, the store host, exits, the others fail naming it and exit', { skip: withoutGloo }, async () => {
  const [r0, r1] = await runWorkers(worker, 2, { FAULT: 'exit0', TIMEOUT_MS: '8000' });
  assert.equal(r0!.code, 3);
  assert.equal(r1!.code, 1, r1!.stderr);
  assert.match(String(lastJson(r1!).error), /failed on rank 1 of 2: rank 0 \(host of the rendezvous store 127\.0\.0\.1:\d+\) .*died or was killed/);
});

test('a rank that hangs makes the other fail after the timeout, naming it', { skip: withoutGloo }, async (t) => {
  const timeoutMs = 3000;
  const [r0, r1] = await runWorkers(worker, 2, { FAULT: 'hang', TIMEOUT_MS: String(timeoutMs) });
  const err = String(lastJson(r0!).error);
  assert.equal(r0!.code, 1);
  assert.match(err, /rank 1 hangs/);
  assert.ok(r0!.elapsedMs < timeoutMs + 15_000, `took ${r0!.elapsedMs} ms`);
  t.diagnostic(err);
  assert.equal(r1!.code, 4);
});
