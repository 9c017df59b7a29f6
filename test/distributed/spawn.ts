// Test helpers: a free localhost port and N worker processes started with torchrun's variables.
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { D } from '../../src/distributed/native.js';

/** A skip reason when the addon has no CPU process group (built without Gloo's headers), else false. */
export const withoutGloo: string | false = D.distBackends().includes('gloo') ? false : 'the addon was built without Gloo (install libgloo-dev, rebuild)';

/** A TCP port free on localhost right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** What one worker printed and how it ended. */
export interface WorkerResult {
  rank: number;
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs script as ranks 0..n-1 on 127.0.0.1:port, with extra env, one OpenMP thread each (2-core CI). */
export async function runWorkers(script: string, n: number, extraEnv: Record<string, string> = {}, args: string[] = []): Promise<WorkerResult[]> {
  const port = await freePort();
  const start = Date.now();
  return Promise.all(
    Array.from(
      { length: n },
      (_, rank) =>
        new Promise<WorkerResult>((resolve, reject) => {
          const child = spawn(process.execPath, [script, ...args], {
            env: {
              ...process.env,
              OMP_NUM_THREADS: '1',
              RANK: String(rank),
              LOCAL_RANK: String(rank),
              WORLD_SIZE: String(n),
              LOCAL_WORLD_SIZE: String(n),
              MASTER_ADDR: '127.0.0.1',
              MASTER_PORT: String(port),
              ...extraEnv,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => {
            stdout += d.toString();
          });
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
          });
          child.once('error', reject);
          child.once('exit', (code) => resolve({ rank, code, stdout, stderr, elapsedMs: Date.now() - start }));
        }),
    ),
  );
}
