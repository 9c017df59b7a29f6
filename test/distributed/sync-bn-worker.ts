// A worker for sync-batchnorm.test.ts: SyncBatchNorm over this rank's share of a batch against BatchNorm2d over
// the whole batch (computed locally: every rank knows the whole batch), forward, backward and running stats.

import { ProcessGroup, readDistributedEnv } from '../../src/distributed/index.js';
import { BatchNorm2d, SyncBatchNorm } from '../../src/nn/index.js';
import { manualSeed, noGrad, randn, type Tensor, tidy } from '../../src/tensor/index.js';

const env = readDistributedEnv();
if (!env) throw new Error('sync-bn-worker: not started as a distributed worker');
const pg = ProcessGroup.init({ ...env, timeoutMs: 20_000 });
const { rank, worldSize } = env;

manualSeed(3);
// per rank 2 samples of 3 channels 4×5; values far from 0 so a naive E[x²] − E[x]² would show
const x = randn([2 * worldSize, 3, 4, 5])
  .mul(2)
  .add(5);
const dy = randn([2 * worldSize, 3, 4, 5]);
const maxDiff = (a: Tensor, b: Tensor) => tidy(() => a.sub(b).abs().amax().item());

function run(bn: BatchNorm2d, input: Tensor, grad: Tensor): { y: Tensor; dx: Tensor } {
  noGrad(() => {
    bn.weight!.copy_(randn([3]).abs());
    bn.bias!.copy_(randn([3]));
  });
  const xi = input.detach();
  xi.requiresGrad = true;
  const y = bn.forward(xi);
  y.backward(grad);
  return { y, dx: xi.grad! };
}

// the same seed before each run: the same affine parameters for both
const refBn = new BatchNorm2d(3);
manualSeed(11);
const whole = run(refBn, x, dy);
manualSeed(11);
const sync = new SyncBatchNorm(3);
const mine = run(sync, x.narrow(0, 2 * rank, 2), dy.narrow(0, 2 * rank, 2));
// parameter gradients are per rank, summed by data-parallel training
const [gw, gb] = [sync.weight!.grad!, sync.bias!.grad!];
pg.allReduce([gw, gb]);
const out = {
  rank,
  y: maxDiff(mine.y, whole.y.narrow(0, 2 * rank, 2)),
  dx: maxDiff(mine.dx, whole.dx.narrow(0, 2 * rank, 2)),
  dw: maxDiff(gw, refBn.weight!.grad!),
  db: maxDiff(gb, refBn.bias!.grad!),
  runningMean: maxDiff(sync.runningMean!, refBn.runningMean!),
  runningVar: maxDiff(sync.runningVar!, refBn.runningVar!),
  nbt: sync.numBatchesTracked!.item(),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
pg.destroy();
