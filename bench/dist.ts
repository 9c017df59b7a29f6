// `bench --dist N`: data-parallel training throughput on the CPU, N processes (each with threads / N intra-op
// threads, so both share the same cores) against one process with all threads, and the scaling efficiency.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../src/distributed/index.js';
import type { RunConfig } from './config.js';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist-worker.js');

/** What rank 0 of one launch measured. */
export interface DistRunResult {
  procs: number;
  threadsPerProcess: number;
  timesMs: number[];
  medianMs: number;
  /** Global batch (procs × per-process batch) per median step. */
  imagesPerSec: number;
}

/** One process against N: the throughputs, the speedup and the scaling efficiency (speedup / N). */
export interface DistBenchResult {
  config: RunConfig;
  single: DistRunResult;
  multi: DistRunResult;
  speedup: number;
  efficiency: number;
}

/** Launches `procs` workers on cfg with `threads` threads each; resolves with rank 0's result. */
async function runLaunch(cfg: RunConfig, procs: number, threads: number, masterPort: number): Promise<DistRunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-bench-dist-'));
  try {
    const out = path.join(dir, 'rank0.json');
    const env = { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
    const code = await launch({ nprocPerNode: procs, masterPort, args: [WORKER, JSON.stringify({ ...cfg, threads }), out], env });
    if (code !== 0) throw new Error(`bench --dist: ${procs} process(es) exited with ${code}`);
    return JSON.parse(fs.readFileSync(out, 'utf8')) as DistRunResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures cfg (a CPU training config, cfg.batch per process) with 1 process and with `procs`. */
export async function measureDistributed(cfg: RunConfig, procs: number, masterPort: number): Promise<DistBenchResult> {
  if (cfg.device !== 'cpu') throw new Error(`bench --dist measures CPU training, not --device ${cfg.device}`);
  if (procs < 2) throw new Error(`--dist: expected 2 or more processes, got ${procs}`);
  const single = await runLaunch(cfg, 1, cfg.threads, masterPort);
  const multi = await runLaunch(cfg, procs, Math.max(1, Math.floor(cfg.threads / procs)), masterPort);
  const speedup = multi.imagesPerSec / single.imagesPerSec;
  return { config: cfg, single, multi, speedup, efficiency: speedup / procs };
}
