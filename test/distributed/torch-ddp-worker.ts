// A worker for torch-ddp.test.ts: `node torch-ddp-worker.js DIR LOSS_NORMALIZATION OUT.pth`, one rank of a
// data-parallel DeepLabV3-ResNet50 trained with trainStep on fixed tensors (DIR/batch.pth: step s, rank r takes
// images (s·N + r)·b … +b−1) from DIR/init.pth, the way DIR's torch DDP script trains it. BatchNorm trains
// (batch statistics per rank, as DDP without SyncBatchNorm), dropout is off (its masks cannot match torch's).
// Rank 0 writes the final state dict to OUT.pth and prints the global batch's loss of every step as JSON.
import { DataParallel, type LossNormalization, ProcessGroup, readDistributedEnv } from '../../src/distributed/index.js';
import { loadCheckpoint, type RawTensor, writePth } from '../../src/io/index.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { Dropout } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { fromRaw } from '../../src/tensor/index.js';
import { GradScaler } from '../../src/train/grad-scaler.js';
import { trainStep } from '../../src/train/train-step.js';
import { DDP_RUN } from './torch-ddp-run.js';

const [dir, lossNormalization, outFile] = process.argv.slice(2) as [string, LossNormalization, string];
const env = readDistributedEnv();
if (!env) throw new Error('torch-ddp-worker: not started as a distributed worker');
const group = ProcessGroup.init({ ...env, timeoutMs: 60_000 });
const { rank, worldSize } = env;

const model = createDeepLabV3('deeplabv3_resnet50', { numClasses: DDP_RUN.numClasses, outputStride: 8, auxLoss: true });
model.loadStateDict(loadCheckpoint(`${dir}/init.pth`).tensors);
model.train();
for (const m of model.modules()) if (m instanceof Dropout) m.eval();
const optimizer = SGD.forParameters(model.namedParameters(), { lr: DDP_RUN.lr, momentum: DDP_RUN.momentum, weightDecay: DDP_RUN.weightDecay });
const dp = new DataParallel({ group, lossNormalization, bucketCapMb: 25 });
dp.broadcastState([...model.stateDict().values(), ...optimizer.stateDict().values()]);

const batch = loadCheckpoint(`${dir}/batch.pth`).tensors;
const [images, labels] = [fromRaw(batch.get('images')!), fromRaw(batch.get('labels')!)];
const b = DDP_RUN.batchSize;
const losses: number[] = [];
for (let step = 1; step <= DDP_RUN.steps; step++) {
  const first = ((step - 1) * worldSize + rank) * b;
  const r = await trainStep({
    model,
    optimizer,
    scaler: new GradScaler(false),
    // trainStep disposes the batch: views of the fixed tensors
    next: async () => ({ images: images.narrow(0, first, b), labels: labels.narrow(0, first, b), ids: [] }),
    accumulate: 1,
    lr: DDP_RUN.lr,
    settings: { device: 'cpu', channelsLast: false, amp: false },
    step,
    sync: dp,
  });
  losses.push(r.loss);
}
if (rank === 0) {
  const out = new Map<string, RawTensor>();
  for (const [k, t] of model.stateDict()) out.set(k, t.toRaw());
  writePth(outFile, out);
  process.stdout.write(`${JSON.stringify(losses)}\n`);
}
group.destroy();
