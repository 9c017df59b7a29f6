// Runs one side of one config in its own process and reads back the JSON line it prints last.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig, RunResult } from './config.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** bench/reference/deeplab_bench.py, found from dist/bench/ or bench/. */
export const REFERENCE_SCRIPT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../../bench' : '.', 'reference/deeplab_bench.py');
const WORKER = path.join(HERE, 'worker.js');
const ONNX_WORKER = path.join(HERE, 'onnx-worker.js');

/** Who runs a config: shapeseg over libtorch, torchvision, or onnxruntime-node on shapeseg's ONNX export. */
export type ChildSide = 'shapeseg' | 'reference' | 'onnxruntime';

/** How to start each side. */
export interface ChildOptions {
  python: string;
  /** Kill the child after this many seconds. */
  timeoutS: number;
  /** Extra environment for both sides (thread variables). */
  env?: Record<string, string>;
  /** Stream the child's stderr through (profiles, warnings). */
  verbose?: boolean;
}

/** Runs `side` on `cfg` in a fresh process; never throws: failures come back as {ok: false, error}. */
export function runChild(side: ChildSide, cfg: RunConfig, opts: ChildOptions): Promise<RunResult> {
  const [cmd, args] =
    side === 'reference'
      ? [opts.python, [REFERENCE_SCRIPT, JSON.stringify(cfg)]]
      : [process.execPath, ['--expose-gc', side === 'shapeseg' ? WORKER : ONNX_WORKER, JSON.stringify(cfg)]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (opts.verbose) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `${side}: cannot start ${cmd}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(last) as RunResult;
        if (!r.ok && !r.error) r.error = `${side} exited with ${code}`;
        resolve(r);
      } catch {
        const why = signal === 'SIGKILL' ? `killed after ${opts.timeoutS} s` : `exit ${code ?? signal}`;
        resolve({ ok: false, error: `${side}: ${why}; stderr: ${err.trim().split('\n').slice(-6).join(' | ')}` });
      }
    });
  });
}
