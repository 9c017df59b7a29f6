// The bench harness end to end at toy size: both sides run, the table prints, the JSON holds medians,
// memory and FLOPs, and the analytic FLOP count equals torchvision's hook count.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../../bench/main.js';
import { defaultWorkerCounts } from '../../bench/pipeline.js';
import { freePort, withoutGloo } from '../distributed/spawn.js';
import { skipWithoutTorch } from '../helpers/python.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('npm run bench -- --smoke measures both sides and writes the report', { skip: skipWithoutTorch(true), timeout: 120_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  try {
    const out = path.join(dir, 'bench.json');
    const stdout = execFileSync(process.execPath, [path.join(ROOT, 'dist/bench/main.js'), '--smoke', '--threads', '2', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 115_000,
    });
    assert.match(stdout, /\| config +\| +input \|/);
    assert.match(stdout, /torchvision ms/);
    const rep = JSON.parse(fs.readFileSync(out, 'utf8')) as BenchReport;
    assert.equal(rep.machine.threads, 2);
    assert.deepEqual(
      rep.rows.map((r) => r.name),
      ['train OS16', 'infer OS16'],
    );
    for (const r of rep.rows) {
      assert.ok(r.shapeseg.ok, `shapeseg ${r.name}: ${r.shapeseg.error}`);
      assert.ok(r.reference?.ok, `reference ${r.name}: ${r.reference?.error}`);
      assert.ok(r.shapeseg.medianMs! > 0 && r.reference!.medianMs! > 0);
      assert.ok(r.shapeseg.maxRssKb! > 0 && r.reference!.maxRssKb! > 0);
      assert.equal(r.shapeseg.threads, 2);
      assert.equal(r.reference!.threads, 2);
      // same model on both sides: same parameter count, and analytic FLOPs == torchvision's hook count
      assert.equal(r.shapeseg.params, r.reference!.params, `${r.name}: parameter counts differ`);
      const forward = r.mode === 'train' ? r.flopsPerStep / 3 : r.flopsPerStep;
      assert.equal(forward, r.reference!.convFlopsForward, `${r.name}: analytic FLOPs vs hooks`);
    }
    // the input pipeline per data-worker count: 0 (main thread), 1, ..., the cores
    assert.deepEqual(
      rep.pipeline?.scaling.map((p) => p.workers),
      defaultWorkerCounts(),
    );
    for (const p of rep.pipeline!.scaling) assert.ok(p.imagesPerSec > 0 && p.imagesPerSecPerCore > 0 && p.cores >= 1);
    assert.equal(rep.pipeline!.scaling.find((p) => p.workers === 1)?.speedup, 1);
    assert.match(stdout, /input pipeline per data-worker count/);
    const train = rep.rows[0]!;
    for (const side of [train.shapeseg, train.reference!]) {
      assert.ok(side.phasesMs && side.phasesMs.backward > 0, 'training phases are reported');
      assert.ok(side.losses!.every(Number.isFinite));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bench --dist 2 --smoke: data-parallel training images/s of 2 processes vs 1, and the scaling efficiency', {
  skip: withoutGloo,
  timeout: 120_000,
}, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  try {
    const out = path.join(dir, 'bench.json');
    const argv = ['--dist', '2', '--smoke', '--threads', '2', '--no-reference', '--master-port', String(await freePort()), '--out', out];
    const stdout = execFileSync(process.execPath, [path.join(ROOT, 'dist/bench/main.js'), ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 115_000 });
    assert.match(stdout, /scaling efficiency \d+%/);
    const d = (JSON.parse(fs.readFileSync(out, 'utf8')) as BenchReport).distributed!;
    assert.deepEqual([d.single.procs, d.single.threadsPerProcess, d.multi.procs, d.multi.threadsPerProcess], [1, 2, 2, 1]);
    for (const r of [d.single, d.multi]) assert.ok(r.imagesPerSec > 0 && r.timesMs.length === d.config.steps);
    assert.equal(d.efficiency, d.multi.imagesPerSec / d.single.imagesPerSec / 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the pipeline sweep measures 0, 1, doubling counts and the cores', () => {
  assert.deepEqual(defaultWorkerCounts(1), [0, 1]);
  assert.deepEqual(defaultWorkerCounts(2), [0, 1, 2]);
  assert.deepEqual(defaultWorkerCounts(16), [0, 1, 2, 4, 8, 16]);
  assert.deepEqual(defaultWorkerCounts(6), [0, 1, 2, 4, 6]);
});
