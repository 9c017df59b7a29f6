// A worker process for process-group.test.ts: joins the group from torchrun's variables, runs collectives and
// prints what it saw as one JSON line. FAULT=exit|hang makes rank 1 exit / hang after the first barrier, exit0 rank 0.
import { ProcessGroup, readDistributedEnv } from '../../src/distributed/index.js';
import { type Tensor, tensor } from '../../src/tensor/index.js';

const env = readDistributedEnv();
if (!env) throw new Error('collectives-worker: not started as a distributed worker');
const pg = ProcessGroup.init({ ...env, timeoutMs: Number(process.env.TIMEOUT_MS ?? 20_000) });
const r = env.rank;
const nums = (t: Tensor): number[] => Array.from(t.toArray() as ArrayLike<number | bigint>, Number);

const a = tensor([r + 1, 10 * (r + 1)], [2], { dtype: 'float32' });
const b = tensor([r, r, r, r, r, r], [2, 3], { dtype: 'float32' });
pg.allReduce([a, b]);
const m = tensor([r], [1], { dtype: 'float32' });
pg.allReduce(m, 'max');
const c = tensor([r * 100, r * 100 + 1], [2], { dtype: 'float32' });
pg.broadcast([c], env.worldSize - 1);
const gathered = pg.allGather(tensor([r, -r], [2], { dtype: 'int64' }));
pg.barrier();

const fault = process.env.FAULT;
// the store host itself goes away
if (fault === 'exit0' && r === 0) process.exit(3);
if (fault && fault !== 'exit0' && r === 1) {
  if (fault === 'exit') process.exit(3);
  // hang: alive (heartbeats continue) but not reaching the next collective until well after the peer's timeout;
  // then exit, as a launcher would have made it (c10d 1.13's store client spins once the store host is gone)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2 * Number(process.env.TIMEOUT_MS) + 3000);
  process.exit(4);
}
try {
  if (fault) pg.allReduce(tensor([1], [1], { dtype: 'float32' }));
  process.stdout.write(
    `${JSON.stringify({
      rank: r,
      a: nums(a),
      b: nums(b),
      max: nums(m),
      c: nums(c),
      gathered: gathered.map(nums),
    })}\n`,
  );
  pg.destroy();
} catch (e) {
  process.stdout.write(`${JSON.stringify({ rank: r, error: (e as Error).message })}\n`);
  process.exit(1);
}
