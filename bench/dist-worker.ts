// One rank of `bench --dist`: training steps of one config through trainStep, data-parallel over the process group
// when started with more than one process (torchrun's variables, set by src/distributed's launcher).
// Usage: node dist/bench/dist-worker.js '<RunConfig JSON>' OUT.json -> rank 0 writes a DistRunResult to OUT.json.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DataParallel, ProcessGroup, readDistributedEnv } from '../src/distributed/index.js';
import type { DeepLabName } from '../src/models/index.js';
import { createDeepLabV3 } from '../src/models/index.js';
import { SGD } from '../src/optim/index.js';
import * as T from '../src/tensor/index.js';
import { GradScaler } from '../src/train/grad-scaler.js';
import { trainStep } from '../src/train/train-step.js';
import type { RunConfig } from './config.js';
import type { DistRunResult } from './dist.js';
import { median } from './stats.js';

const [json, outFile] = process.argv.slice(2) as [string, string];
const cfg = JSON.parse(json) as RunConfig;
const env = readDistributedEnv();
const worldSize = env?.worldSize ?? 1;
const group = env && worldSize > 1 ? ProcessGroup.init({ ...env, timeoutMs: 300_000 }) : null;
// SHAPESEG_BENCH_OVERLAP=0: all-reduce after backward instead of during it (to measure the overlap)
const overlapBackward = process.env.SHAPESEG_BENCH_OVERLAP !== '0';
const dp = group ? new DataParallel({ group, lossNormalization: 'global', bucketCapMb: 25, overlapBackward }) : null;

if (cfg.threads > 0) T.setNumThreads(cfg.threads);
T.manualSeed(cfg.seed ?? 0);
if (cfg.os !== 8 && cfg.os !== 16) throw new Error(`bench --dist: output stride 8 or 16, not ${cfg.os}`);
const model = createDeepLabV3(cfg.model as DeepLabName, { numClasses: cfg.numClasses, outputStride: cfg.os, auxLoss: cfg.aux });
model.train();
const optimizer = SGD.forParameters(model.namedParameters(), { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
dp?.broadcastState([...model.stateDict().values(), ...optimizer.stateDict().values()]);
const [h, w] = cfg.crop;
// each rank its own per-process batch (the global batch is worldSize × cfg.batch)
const images = T.randint(0, 256, [cfg.batch, 3, h, w], { dtype: 'uint8' });
const labels = T.randint(0, cfg.numClasses, [cfg.batch, h, w], { dtype: 'int64' });
const scaler = new GradScaler(false);
const timesMs: number[] = [];
for (let i = 0; i < cfg.warmup + cfg.steps; i++) {
  const t0 = performance.now();
  await trainStep({
    model,
    optimizer,
    scaler,
    // trainStep disposes the batch it is given: views
    next: async () => ({ images: images.narrow(0, 0, cfg.batch), labels: labels.narrow(0, 0, cfg.batch), ids: [] }),
    accumulate: 1,
    lr: 0.01,
    settings: { device: 'cpu', channelsLast: false, amp: false },
    step: i + 1,
    sync: dp ?? undefined,
  });
  // every step ends in collectives, so rank 0's time is the global step's
  if (i >= cfg.warmup) timesMs.push(performance.now() - t0);
}
if ((env?.rank ?? 0) === 0) {
  const medianMs = median(timesMs);
  const result: DistRunResult = {
    procs: worldSize,
    threadsPerProcess: cfg.threads,
    timesMs,
    medianMs,
    imagesPerSec: (worldSize * cfg.batch * 1000) / medianMs,
  };
  fs.writeFileSync(outFile, JSON.stringify(result));
}
group?.destroy();
