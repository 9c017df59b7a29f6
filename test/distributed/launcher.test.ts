// `shapeseg train --nproc-per-node N [--nnodes M --node-rank R ...]`: two "machines" on localhost equal one with
// two processes; a killed worker stops the run with a message naming it, and --resume finishes it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { writeTinyKitti } from '../train/fixtures.js';
import { assertSameWeights, writeRunConfig } from './runs.js';
import { freePort, withoutGloo } from './spawn.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-launch-'));
const data = path.join(tmp, 'kitti');
await writeTinyKitti(data, 4);
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI; resolves with its exit code and stderr (OpenMP threads: 1 per process, the CI has 2 cores). */
function shapeseg(args: string[], onStart?: (pid: number) => void): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: tmp, env: { ...process.env, OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
    onStart?.(child.pid!);
  });
}

test('two nodes of one process each equal one node of two processes', { skip: withoutGloo }, async () => {
  const cfg = writeRunConfig(tmp, data, 'nodes', { batchSize: 1 });
  const one = path.join(tmp, 'runs', 'one-node');
  const port1 = String(await freePort());
  const r = await shapeseg(['train', cfg, '--run-dir', one, '--no-progress', '--nproc-per-node', '2', '--master-port', port1]);
  assert.equal(r.code, 0, r.stderr);
  // rank 0 alone logs and sums up
  for (const line of [/data-parallel: /g, /trained 3 steps/g]) assert.equal(r.stderr.match(line)?.length, 1, r.stderr);
  const two = path.join(tmp, 'runs', 'two-nodes');
  const port2 = String(await freePort());
  const nodes = await Promise.all(
    [0, 1].map((rank) =>
      shapeseg([
        'train',
        cfg,
        '--run-dir',
        two,
        '--no-progress',
        '--nproc-per-node',
        '1',
        '--nnodes',
        '2',
        '--node-rank',
        String(rank),
        '--master-addr',
        '127.0.0.1',
        `--master-port=${port2}`,
      ]),
    ),
  );
  for (const n of nodes) assert.equal(n.code, 0, n.stderr);
  assert.match(nodes[0]!.stderr, /trained 3 steps/);
  assert.doesNotMatch(nodes[1]!.stderr, /trained 3 steps|data-parallel: /);
  await assertSameWeights(one, two, 3);
});

test('a killed worker stops the others with a message naming it; --resume finishes the run', { skip: withoutGloo }, async () => {
  const cfg = writeRunConfig(tmp, data, 'crash', { batchSize: 1, steps: 10, extra: { distributed: { timeoutSec: 20 } } });
  const runDir = path.join(tmp, 'runs', 'crash');
  const ckpts = path.join(runDir, 'checkpoints');
  const args = ['train', cfg, '--run-dir', runDir, '--no-progress', '--nproc-per-node', '2'];
  let killedAt = 0;
  const r = await shapeseg([...args, '--master-port', String(await freePort())], (launcher) => {
    const poll = setInterval(() => {
      if (!fs.existsSync(path.join(ckpts, 'step-00000002.safetensors'))) return;
      clearInterval(poll);
      // the launcher's children are the workers; rank 1 is the one with RANK=1
      const pids = spawnSync('ps', ['-o', 'pid=', '--ppid', String(launcher)], { encoding: 'utf8' })
        .stdout.trim()
        .split(/\s+/)
        .map(Number);
      const rank1 = pids.find((p) => fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes('RANK=1'));
      assert.ok(rank1, `no worker with RANK=1 among ${pids.join(', ')}`);
      killedAt = Date.now();
      process.kill(rank1, 'SIGKILL');
    }, 100);
  });
  assert.notEqual(r.code, 0);
  assert.ok(killedAt > 0, `the run ended before a worker was killed: ${r.stderr}`);
  assert.match(r.stderr, /worker rank 1 \(pid \d+\) was killed by SIGKILL; stopping the other workers/);
  assert.ok(Date.now() - killedAt < 20_000 + 15_000, 'stopped within the timeout (plus the kill grace)');
  // the newest checkpoint is complete, and the run finishes from it
  const files = fs
    .readdirSync(ckpts)
    .filter((f) => f.startsWith('step-'))
    .sort();
  readCheckpoint(path.join(ckpts, files.at(-1)!));
  const resumed = await shapeseg([...args, '--resume', '--master-port', String(await freePort())]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(fs.existsSync(path.join(ckpts, 'step-00000010.safetensors')));
});

test('SIGINT to the launcher stops every worker after the same step, checkpointed; exit 130', { skip: withoutGloo }, async () => {
  // many more steps than the signal needs: a tiny step takes ~0.1 s, so a 10-step run could end before it lands
  const cfg = writeRunConfig(tmp, data, 'interrupt', { batchSize: 1, steps: 400, extra: { distributed: { timeoutSec: 20 } } });
  const runDir = path.join(tmp, 'runs', 'interrupt');
  const ckpts = path.join(runDir, 'checkpoints');
  let signalled = false;
  const r = await shapeseg(
    ['train', cfg, '--run-dir', runDir, '--no-progress', '--nproc-per-node', '2', '--master-port', String(await freePort())],
    (launcher) => {
      const poll = setInterval(() => {
        if (!fs.existsSync(path.join(ckpts, 'step-00000002.safetensors'))) return;
        clearInterval(poll);
        signalled = true;
        process.kill(launcher, 'SIGINT');
      }, 100);
    },
  );
  assert.ok(signalled, `the run ended before the signal: ${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  assert.doesNotMatch(r.stderr, /stopping the other workers|failed on rank/);
  assert.match(r.stderr, /stopped at step (\d+)\/400; continue with --resume/);
  const step = Number(/stopped at step (\d+)/.exec(r.stderr)![1]);
  readCheckpoint(path.join(ckpts, `step-${String(step).padStart(8, '0')}.safetensors`));
});
