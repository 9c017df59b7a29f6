// Everything a training run is assembled from before its first step: device, datasets, run folder, model,
// optimizer, augmentation and, under data parallelism, the process group and this rank's share of the batch.
import * as fs from 'node:fs';
import { type Augmentation, buildAugmentation } from '../augment/index.js';
import type { RunConfig } from '../config/index.js';
import type { Dataset } from '../data/dataset.js';
import { openDataset } from '../data/open.js';
import { DataParallel, type DistributedEnv, GlobalBatch, ProcessGroup } from '../distributed/index.js';
import { buildModel, type DeepLabModel } from '../models/index.js';
import { addAuxBatchNorm, convertMemoryFormat, convertSyncBatchNorm, useGlobalBatchDropout } from '../nn/index.js';
import { PolySchedule, SGD } from '../optim/index.js';
import type { Device } from '../tensor/index.js';
import * as T from '../tensor/index.js';
import { cpuBf16Support } from '../util/cpu-features.js';
import { CheckpointDir } from './checkpoint.js';
import { resolveClassWeights } from './class-weights.js';
import { GradScaler } from './grad-scaler.js';
import type { SegLossOptions } from './loss.js';
import { TrainProgress } from './progress.js';
import { configDiff, prepareRunDir, type RunPaths, runPaths, writeJson } from './run-dir.js';
import { RunState } from './run-state.js';
import type { StepSettings } from './train-step.js';

/** What train() is given (see TrainOptions in trainer.ts). */
export interface SetupOptions {
  config: RunConfig;
  runDir: string;
  resume: boolean;
  progress: 'bar' | 'lines' | 'off' | undefined;
  distributed: DistributedEnv | null | undefined;
}

/** A training run, assembled; dispose() frees the model, optimizer and augmentation and leaves the group. */
export interface TrainingSetup {
  cfg: RunConfig;
  paths: RunPaths;
  device: Device;
  trainSet: Dataset;
  valSet: Dataset | null;
  model: DeepLabModel;
  optimizer: SGD;
  schedule: PolySchedule;
  scaler: GradScaler;
  augmentation: Augmentation;
  /** This rank's share of the global batch (GlobalBatch.single when training alone). */
  world: GlobalBatch;
  /** Gradient synchronisation; null when training alone. */
  dp: DataParallel | null;
  state: RunState;
  progress: TrainProgress;
  /** train.loss, resolved: the class weights on the device. */
  loss: SegLossOptions;
  /** The autocast the steps run under (train.amp with `auto` resolved for this machine). */
  amp: StepSettings['amp'];
  /** Rank 0 (or the only process): the one that writes checkpoints, metrics, TensorBoard and validation files. */
  isMain: boolean;
  /** Prints on rank 0 (errors still reach every rank's stderr: they throw). */
  log(message: string): void;
  /** Frees what the setup made; `clean` (a normal end) also leaves the process group. */
  dispose(clean: boolean): void;
}

/** The training device; `cuda` is one GPU per local worker, as torchrun users expect (an explicit cuda:N is kept). */
function deviceOf(cfg: RunConfig, localRank: number | null): Device {
  const d: Device = cfg.train.device === 'cuda' && localRank !== null ? `cuda:${localRank}` : cfg.train.device;
  if (d !== 'cpu' && !T.cudaIsAvailable()) {
    throw new Error(`train.device is ${d} but CUDA is not available in this libtorch build (see \`shapeseg info\`)`);
  }
  if (d === 'cpu' && cfg.train.amp === 'fp16') {
    throw new Error('train.amp: fp16 autocast needs a CUDA device; on the CPU libtorch autocasts to bf16 only (train.amp: bf16)');
  }
  if (d.startsWith('cuda:') && Number(d.slice(5)) >= T.cudaDeviceCount()) {
    throw new Error(`train.device is ${d} but only ${T.cudaDeviceCount()} CUDA device(s) exist`);
  }
  return d;
}

/** train.amp for this device: `auto` is bf16 on a CPU with BF16 instructions and fp32 elsewhere; returns why. */
export function resolveAmp(amp: RunConfig['train']['amp'], device: Device): { amp: StepSettings['amp']; reason: string | null } {
  if (amp !== 'auto') return { amp, reason: null };
  if (device !== 'cpu') return { amp: false, reason: 'train.amp auto: fp32 on CUDA (set bf16 or fp16 to autocast there)' };
  const cpu = cpuBf16Support();
  return cpu.bf16
    ? { amp: 'bf16', reason: `train.amp auto: bf16 autocast, the CPU has BF16 instructions (${cpu.source}); set train.amp: false for fp32` }
    : { amp: false, reason: `train.amp auto: fp32, the CPU has no BF16 instructions (${cpu.source})` };
}

/** Writes config.json/files.json; on resume reports config drift and refuses a changed training file list. */
function recordRun(paths: RunPaths, cfg: RunConfig, trainSet: Dataset, valSet: Dataset | null, resume: boolean, log: (m: string) => void): void {
  const files = {
    train: { root: trainSet.root, files: trainSet.fileList() },
    val: valSet ? { root: valSet.root, files: valSet.fileList() } : null,
  };
  if (resume && fs.existsSync(paths.config)) {
    const diff = configDiff(JSON.parse(fs.readFileSync(paths.config, 'utf8')), cfg);
    if (diff.length > 0) log(`note: the config differs from the run's ${paths.config}:\n  ${diff.join('\n  ')}`);
  }
  if (resume && fs.existsSync(paths.files)) {
    const before = JSON.parse(fs.readFileSync(paths.files, 'utf8')) as typeof files;
    if (JSON.stringify(before.train.files) !== JSON.stringify(files.train.files)) {
      throw new Error(`the training file list differs from the run's ${paths.files}; an exact resume needs the same training data`);
    }
  }
  writeJson(paths.config, cfg);
  writeJson(paths.files, files);
}

/** Assembles a run as `o.config` says: fails on a bad device or bad data before anything is written to the run folder. */
export async function setUpTraining(o: SetupOptions): Promise<TrainingSetup> {
  const cfg = o.config;
  const t = cfg.train;
  const dist = o.distributed && o.distributed.worldSize > 1 ? o.distributed : null;
  const isMain = (dist?.rank ?? 0) === 0;
  const device = deviceOf(cfg, dist?.localRank ?? null);
  const trainSet = await openDataset(cfg.data.train);
  const valSet = cfg.data.val ? await openDataset(cfg.data.val) : null;
  const paths = isMain ? prepareRunDir(o.runDir, o.resume) : runPaths(o.runDir);
  const latest = o.resume ? new CheckpointDir(paths.checkpoints, t.keepLast).latest() : null;
  if (o.resume && latest === null) throw new Error(`--resume: no checkpoint in ${paths.checkpoints}`);
  const schedule = new PolySchedule({ ...t.schedule, phases: t.phases });
  const progress = new TrainProgress(schedule.totalSteps, isMain ? (o.progress ?? (process.stderr.isTTY ? 'bar' : 'lines')) : 'off', t.logEvery);
  const log = (m: string) => {
    if (isMain) progress.log(m);
  };
  const backbone = cfg.model.pretrainedBackbone;
  if (!o.resume && backbone !== undefined && !fs.existsSync(backbone)) {
    throw new Error(
      `model.pretrainedBackbone: file not found: ${backbone} (an ImageNet ResNet checkpoint in torchvision's layout, e.g. resnet101-63fe2227.pth)`,
    );
  }
  if (t.threads !== undefined) T.setNumThreads(t.threads);
  if (t.cudnnBenchmark) T.setCudnnBenchmark(true);
  T.manualSeed(t.seed);
  const configJsonExisted = fs.existsSync(paths.config);
  if (isMain) recordRun(paths, cfg, trainSet, valSet, o.resume, log);

  const { model, pretrained } = buildModel(cfg.model.name, {
    numClasses: cfg.model.numClasses,
    outputStride: t.phases[0]!.outputStride,
    auxLoss: cfg.model.auxLoss,
    decoderConvs: cfg.model.decoderConvs,
    separableConv: cfg.model.separableConv,
    // a resumed run loads every weight from its checkpoint
    pretrainedBackbone: o.resume ? undefined : cfg.model.pretrainedBackbone,
  });
  let optimizer: SGD | null = null;
  let augmentation: Augmentation | null = null;
  let group: ProcessGroup | null = null;
  let dp: DataParallel | null = null;
  let classWeights: T.Tensor | null = null;
  const dispose = (clean: boolean) => {
    // a clean end only: after a failure rank 0 would wait (bounded) for peers that may be gone
    if (clean) {
      dp?.dispose();
      group?.destroy();
    }
    optimizer?.dispose();
    augmentation?.dispose();
    classWeights?.dispose();
    model.dispose();
  };
  try {
    // the twins start from the (pretrained) BatchNorm values; a resume then loads both from the checkpoint
    if (cfg.augment.auxBatchNorm) log(`augment.auxBatchNorm: ${addAuxBatchNorm(model)} BatchNorm layers with an auxiliary twin (<bn>.aux_bn.*)`);
    // before the optimizer sees the parameters; alone, SyncBatchNorm is BatchNorm2d (same keys, same numbers)
    if (t.syncBN) convertSyncBatchNorm(model);
    model.to(device);
    // weights too, not only inputs: a conv with NCHW weights would convert them back at every step
    if (t.channelsLast) convertMemoryFormat(model, 'channelsLast');
    if (pretrained) log(`backbone: ${pretrained.loadedKeys} tensors from ${pretrained.path} (ignored: ${pretrained.ignoredKeys.join(', ') || 'none'})`);
    log(
      `${cfg.model.name}, ${cfg.model.numClasses} classes (${trainSet.labelSpace.name}) on ${device}: ${schedule.totalSteps} steps in ` +
        `${t.phases.length} phase(s), batch ${t.batchSize}${t.accumulate > 1 ? `×${t.accumulate}` : ''}, ` +
        `${trainSet.length} train / ${valSet?.length ?? 0} val images -> ${paths.root} (TensorBoard: --logdir ${paths.tb})`,
    );
    // counted once per run (a resume reads the recorded ones back)
    const weights = await resolveClassWeights({
      loss: t.loss,
      trainSet,
      numClasses: cfg.model.numClasses,
      file: paths.classWeights,
      resume: o.resume,
      write: isMain,
      log,
    });
    if (weights) classWeights = T.tensor(weights.weights, [weights.weights.length], { dtype: 'float32', device });
    const loss: SegLossOptions = { crossEntropy: t.loss.crossEntropy, lovasz: t.loss.lovasz, classWeights, ohem: t.loss.ohem ?? null };
    optimizer = SGD.forParameters(model.namedParameters(), { ...t.optimizer, lr: t.schedule.lr });
    // image- and feature-level methods go on and off with the phase (src/train/phase.ts)
    augmentation = await buildAugmentation(cfg.augment, { device, numClasses: cfg.model.numClasses });
    if (dist) {
      const d = cfg.distributed;
      group = ProcessGroup.init({ ...dist, backend: d.backend ?? (device === 'cpu' ? 'gloo' : 'nccl'), timeoutMs: d.timeoutSec * 1000 });
      dp = new DataParallel({ group, lossNormalization: d.lossNormalization, bucketCapMb: d.bucketCapMb, overlapBackward: d.overlapBackward });
      log(
        `data-parallel: ${dist.worldSize} processes × batch ${t.batchSize} (global batch ${dist.worldSize * t.batchSize}), ${group.backend}, loss normalised ${d.lossNormalization === 'global' ? 'over the global batch' : 'per rank'}`,
      );
    }
    // the one global-batch rule, wired once: loader shares, dropout masks, augmentation draws, validation shares
    const world = dp?.world ?? GlobalBatch.single;
    if (world.distributed) useGlobalBatchDropout(model, world);
    const { amp, reason } = resolveAmp(t.amp, device);
    if (reason) log(reason);
    const scaler = new GradScaler(amp === 'fp16');
    const state = new RunState({ cfg, paths, model, optimizer, scaler, schedule, isMain });
    if (latest !== null) {
      const note = state.restore(latest, configJsonExisted);
      if (note) log(note);
      log(`resuming ${paths.root} at step ${state.step} from ${latest}`);
    }
    // rank 0's weights everywhere (torch DDP's start), also after a resume from a checkpoint every rank read
    dp?.broadcastState([...model.stateDict().values(), ...optimizer.stateDict().values()]);
    return {
      cfg,
      paths,
      device,
      amp,
      loss,
      trainSet,
      valSet,
      model,
      optimizer,
      schedule,
      scaler,
      augmentation,
      world,
      dp,
      state,
      progress,
      isMain,
      log,
      dispose,
    };
  } catch (e) {
    dispose(false);
    throw e;
  }
}
