// A worker for reducer.test.ts: gradients reduced during backward (the native reducer, small buckets) equal
// gradients reduced after it and the sum over ranks computed locally; with 2 accumulated micro-batches and a
// parameter backward never reaches. Prints one JSON line. DEVICE=cuda BACKEND=nccl runs it on the GPU (rank r on
// cuda:r; nccl.test.ts, run by scripts/gpu/run.sh).
import { DataParallel, ProcessGroup, readDistributedEnv } from '../../src/distributed/index.js';
import { Conv2d, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import * as T from '../../src/tensor/index.js';

const env = readDistributedEnv();
if (!env) throw new Error('reducer-worker: not started as a distributed worker');
const device = (process.env.DEVICE ?? 'cpu') === 'cuda' ? (`cuda:${env.localRank}` as const) : 'cpu';
const group = ProcessGroup.init({ ...env, timeoutMs: 60_000, backend: process.env.BACKEND === 'nccl' ? 'nccl' : 'gloo' });

T.manualSeed(0);
const model = new Sequential(new Conv2d(3, 16, 3, { padding: 1 }), new ReLU(), new Conv2d(16, 16, 3, { padding: 1 }), new ReLU(), new Conv2d(16, 4, 1));
const unused = new Linear(4, 4); // never in the graph: its gradient is zeros on every rank
model.to(device);
unused.to(device);
// buckets follow the reverse parameter order: the unused one first keeps it in the last bucket (torch DDP rebuilds
// its buckets in the order gradients arrived; this reducer keeps the parameter order)
const params = [...unused.parameters(), ...model.parameters()];
const input = (rank: number, micro: number) => {
  T.manualSeed(100 + 10 * rank + micro);
  return T.rand([2, 3, 12, 12]).to(device);
};

/** Accumulates 2 micro-batches of `ranks`' inputs into .grad, arming `dp` before the last one if given. */
function backward(ranks: number[], dp: DataParallel | null): void {
  for (const p of params) p.setGrad(null);
  for (let micro = 0; micro < 2; micro++) {
    if (micro === 1) dp?.beforeLastBackward(params);
    for (const r of ranks)
      T.tidy(() => {
        {
          const y = model.forward(input(r, micro));
          y.mul(y).mean().backward();
        }
      });
  }
}
const grads = () => params.map((p) => (p.grad ? Array.from(p.grad.toArray() as Float32Array) : null));
const maxDiff = (a: (number[] | null)[], b: (number[] | null)[]) =>
  Math.max(...a.map((x, i) => Math.max(...(x ?? [0]).map((v, j) => Math.abs(v - (b[i]?.[j] ?? 0))))));

const tiny = 0.002; // MiB: several buckets for this small model
const overlapped = new DataParallel({ group, lossNormalization: 'perRank', bucketCapMb: tiny, overlapBackward: true });
backward([env.rank], overlapped);
overlapped.reduceGradients(params, 0);
const withOverlap = grads();
const after = new DataParallel({ group, lossNormalization: 'perRank', bucketCapMb: tiny, overlapBackward: false });
backward([env.rank], null);
after.reduceGradients(params, 0);
const afterBackward = grads();
backward(
  Array.from({ length: env.worldSize }, (_, r) => r),
  null,
);
const local = grads();
overlapped.dispose();
group.destroy();
process.stdout.write(
  `${JSON.stringify({
    rank: env.rank,
    ...overlapped.lastReduction,
    overlapVsLocal: maxDiff(withOverlap, local),
    afterVsLocal: maxDiff(afterBackward, local),
    unusedGrad: withOverlap[1],
  })}\n`,
);
