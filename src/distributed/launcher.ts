// torchrun for shapeseg: starts the worker processes of one machine with torchrun's variables, forwards
// signals to them, and stops them all when one fails (so no run outlives a dead worker).
import { type ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';
import { workerEnv } from './env.js';

/** torchrun's options (--nproc-per-node, --nnodes, --node-rank, --master-addr, --master-port). */
export interface LaunchOptions {
  nprocPerNode: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  /** The worker's command line after the node executable (script and arguments). */
  args: string[];
  /** Extra environment for every worker. */
  env?: NodeJS.ProcessEnv;
  /** How long workers get to exit after SIGTERM before SIGKILL. */
  killGraceMs?: number;
  log?: (message: string) => void;
}

/**
 * Runs nprocPerNode workers (global ranks nodeRank·nprocPerNode + localRank) and resolves with the exit code:
 * 0 when all succeed, otherwise the first failure's (128 + signal number for a signal), after the others were
 * stopped with SIGTERM (then SIGKILL after killGraceMs).
 */
export async function launch(o: LaunchOptions): Promise<number> {
  const nnodes = o.nnodes ?? 1;
  const nodeRank = o.nodeRank ?? 0;
  const n = o.nprocPerNode;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--nproc-per-node: expected a positive integer, got ${n}`);
  if (!Number.isInteger(nnodes) || nnodes < 1) throw new Error(`--nnodes: expected a positive integer, got ${nnodes}`);
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes) throw new Error(`--node-rank: expected 0..${nnodes - 1}, got ${nodeRank}`);
  const masterAddr = o.masterAddr ?? '127.0.0.1';
  const masterPort = o.masterPort ?? 29500;
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const grace = o.killGraceMs ?? 15_000;

  const children: ChildProcess[] = [];
  let failure: number | null = null;
  let killTimer: NodeJS.Timeout | null = null;
  const stopAll = (why: string) => {
    if (killTimer) return;
    log(why);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, grace);
    killTimer.unref();
  };
  // forwarded: the trainer checkpoints and stops on the first signal, aborts on the second
  let forwarded = false;
  const forward = (sig: NodeJS.Signals) => {
    forwarded = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(sig);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    const exits = Array.from({ length: n }, (_, localRank) => {
      const rank = nodeRank * n + localRank;
      const env = {
        ...process.env,
        ...o.env,
        ...workerEnv({ rank, localRank, worldSize: nnodes * n, localWorldSize: n, masterAddr, masterPort }),
      };
      // torchrun's default: one OpenMP thread per worker unless told otherwise (workers share the cores)
      if (env.OMP_NUM_THREADS === undefined && n > 1) env.OMP_NUM_THREADS = '1';
      const child = spawn(process.execPath, o.args, { env, stdio: 'inherit' });
      children.push(child);
      return new Promise<void>((resolve) => {
        child.once('error', (e) => {
          failure ??= 1;
          stopAll(`worker rank ${rank} could not start: ${e.message}; stopping the others`);
          resolve();
        });
        child.once('exit', (code, signal) => {
          if (code !== 0) {
            const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
            failure ??= code ?? 128 + (signal ? os.constants.signals[signal] : 0);
            // after a forwarded signal every worker is stopping on its own (checkpointing first): let them
            if (forwarded) log(`worker rank ${rank} (pid ${child.pid}) ${how}`);
            else stopAll(`worker rank ${rank} (pid ${child.pid}) ${how}; stopping the other workers`);
          }
          resolve();
        });
      });
    });
    await Promise.all(exits);
    return failure ?? 0;
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    if (killTimer) clearTimeout(killTimer);
  }
}
