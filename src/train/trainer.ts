// The training loop: phases (output stride, frozen BN), poly lr, SGD, periodic validation and checkpoints,
// exact resume, metrics.jsonl + TensorBoard + progress output, and a clean stop on a non-finite loss.
import * as fs from 'node:fs';
import { type Augmentation, attachFeatureAugmentation, buildAugmentation } from '../augment/index.js';
import { configHash, type RunConfig } from '../config/index.js';
import { type Batch, collateTo } from '../data/collate.js';
import type { Dataset } from '../data/dataset.js';
import { DataLoader, type LoaderPosition, type SampleSource } from '../data/loader.js';
import { openDataset } from '../data/open.js';
import { trainTransform } from '../data/transforms.js';
import { DataWorkerPool, defaultWorkers } from '../data/worker-pool.js';
import { DataParallel, type DistributedEnv, ProcessGroup } from '../distributed/index.js';
import { buildModel, type DeepLabV3 } from '../models/index.js';
import { convertMemoryFormat, convertSyncBatchNorm, freezeBatchNorm, useGlobalBatchDropout } from '../nn/index.js';
import { PolySchedule, SGD } from '../optim/index.js';
import type { Device } from '../tensor/index.js';
import * as T from '../tensor/index.js';
import { CheckpointDir, readCheckpoint, saveCheckpoint, type TrainState } from './checkpoint.js';
import { GradScaler, type GradScalerState } from './grad-scaler.js';
import { MetricsLog, truncateMetricsLog } from './metrics-log.js';
import { TrainProgress } from './progress.js';
import { configDiff, prepareRunDir, type RunPaths, runPaths, writeJson } from './run-dir.js';
import { TensorBoardWriter } from './tensorboard.js';
import { NonFiniteLossError, type StepSettings, trainStep } from './train-step.js';
import { validate } from './validate.js';

/** What train() needs. */
export interface TrainOptions {
  config: RunConfig;
  /** runs/<name>/ */
  runDir: string;
  /** Continue from the run directory's latest checkpoint. */
  resume?: boolean;
  /** Progress display (default: a bar on a terminal, lines otherwise). */
  progress?: 'bar' | 'lines' | 'off' | undefined;
  /** Stop after this many steps (checkpointing first), as an interruption would; for tests and time-boxed jobs. */
  stopAfter?: number;
  /** Stop (after finishing the current step and checkpointing) on SIGINT/SIGTERM; a second signal exits at once. */
  handleSignals?: boolean;
  /** This process's place among data-parallel workers (readDistributedEnv()); null or absent: one process. */
  distributed?: DistributedEnv | null | undefined;
}

/** How a training run ended. */
export interface TrainResult {
  /** Steps completed. */
  step: number;
  totalSteps: number;
  /** True when the run stopped before the last step (stopAfter or a signal). */
  interrupted: boolean;
  bestMIoU: number | null;
  lastCheckpoint: string | null;
  summary: string;
}

/** Training stopped on a non-finite loss; names the step and the last good checkpoint. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
  constructor(
    readonly step: number,
    readonly lastCheckpoint: string | null,
    cause: NonFiniteLossError,
    lr: number,
  ) {
    super(
      `training stopped: ${cause.message}, lr ${lr.toExponential(3)}. ` +
        (lastCheckpoint
          ? `The last good checkpoint is ${lastCheckpoint} (untouched); lower the lr and continue with --resume.`
          : 'No checkpoint was written yet; lower the lr and start again.'),
    );
  }
}

/** JSON state the trainer keeps in checkpoints beyond TrainState. */
interface TrainerExtras {
  scaler?: GradScalerState;
}

type Phase = RunConfig['train']['phases'][number];

function deviceOf(cfg: RunConfig, localRank: number | null): Device {
  // one GPU per local worker, as torchrun users expect from `cuda` (an explicit cuda:N is kept)
  const d = (cfg.train.device === 'cuda' && localRank !== null ? `cuda:${localRank}` : cfg.train.device) as Device;
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

/** Puts the model into a phase: output stride, BN frozen or training, augmentation on or off. */
function enterPhase(model: DeepLabV3, phase: Phase, augmentation: Augmentation, settings: StepSettings): void {
  model.train();
  model.setOutputStride(phase.outputStride);
  freezeBatchNorm(model, phase.freezeBN);
  settings.augment = phase.augment ? augmentation.batch : null;
  attachFeatureAugmentation(model, phase.augment ? augmentation.features : {});
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

/** best.json beside best.safetensors: the step and mIoU of the best validation so far. */
function readBest(file: string): number | null {
  if (!fs.existsSync(file)) return null;
  const v = (JSON.parse(fs.readFileSync(file, 'utf8')) as { mIoU?: unknown }).mIoU;
  return typeof v === 'number' ? v : null;
}

/** The parts a training run is assembled from (built by train()). */
interface TrainRunParts {
  cfg: RunConfig;
  paths: RunPaths;
  ckpts: CheckpointDir;
  model: DeepLabV3;
  optimizer: SGD;
  schedule: PolySchedule;
  trainSet: Dataset;
  valSet: Dataset | null;
  device: Device;
  progress: TrainProgress;
  augmentation: Augmentation;
  /** Data-parallel synchronisation; null when training alone. */
  dp: DataParallel | null;
}

/** Everything one training run holds while it runs. */
class TrainRun {
  step = 0;
  bestMIoU: number | null = null;
  lastCheckpoint: string | null = null;
  private position: LoaderPosition = { epoch: 0, indexInEpoch: 0 };
  /** Validation samples' loader while loop() runs with data workers. */
  private valSource: SampleSource | undefined;
  private readonly cfg: RunConfig;
  private readonly paths: RunPaths;
  private readonly ckpts: CheckpointDir;
  private readonly model: DeepLabV3;
  private readonly optimizer: SGD;
  private readonly schedule: PolySchedule;
  private readonly trainSet: Dataset;
  private readonly valSet: Dataset | null;
  private readonly device: Device;
  private readonly progress: TrainProgress;
  private readonly dp: DataParallel | null;
  /** Rank 0 (or the only process): the one that writes checkpoints, metrics, TensorBoard and validation. */
  private readonly isMain: boolean;
  private readonly hash: string;
  private readonly settings: StepSettings;
  private readonly augmentation: Augmentation;
  private readonly scaler: GradScaler;
  private stopRequested = false;

  constructor(parts: TrainRunParts) {
    ({
      cfg: this.cfg,
      paths: this.paths,
      ckpts: this.ckpts,
      model: this.model,
      optimizer: this.optimizer,
      schedule: this.schedule,
      trainSet: this.trainSet,
      valSet: this.valSet,
      device: this.device,
      progress: this.progress,
      dp: this.dp,
    } = parts);
    this.isMain = (this.dp?.rank ?? 0) === 0;
    this.hash = configHash(this.cfg);
    this.augmentation = parts.augmentation;
    this.settings = { device: this.device, channelsLast: this.cfg.train.channelsLast, amp: this.cfg.train.amp };
    this.scaler = new GradScaler(this.cfg.train.amp === 'fp16');
  }

  private log(m: string): void {
    // the other ranks would repeat rank 0's lines (errors still reach every rank's stderr: they throw)
    if (this.isMain) this.progress.log(m);
  }

  /** Asks the loop to stop after the current step (checkpointing first). */
  requestStop(reason: string): void {
    this.stopRequested = true;
    this.log(`${reason}: stopping after this step (checkpointing first); press again to abort`);
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Restores model, momentum, RNG, loader position and counters from a checkpoint. */
  restore(file: string, configJsonExisted: boolean): void {
    const ck = readCheckpoint(file);
    if (!configJsonExisted && ck.state.configHash !== this.hash) {
      this.log(`note: ${file} was written with a different config (hash ${ck.state.configHash}, now ${this.hash})`);
    }
    this.model.loadStateDict(ck.model, { strict: true });
    this.optimizer.loadStateDict(ck.momentum);
    T.setRngState(ck.state.rngState);
    this.position = ck.state.loaderState as LoaderPosition;
    const extras = (ck.state.extras ?? {}) as TrainerExtras;
    if (extras.scaler) this.scaler.loadStateDict(extras.scaler);
    this.step = ck.state.step;
    // best.safetensors may come from a validation after this checkpoint
    const bests = [ck.state.bestMIoU, readBest(this.bestJson)].filter((v): v is number => v !== null);
    this.bestMIoU = bests.length > 0 ? Math.max(...bests) : null;
    this.lastCheckpoint = file;
    if (this.isMain) truncateMetricsLog(this.paths.metrics, this.step);
    this.log(`resuming ${this.paths.root} at step ${this.step} from ${file}`);
  }

  private get bestJson(): string {
    return this.ckpts.bestFile.replace(/\.safetensors$/, '.json');
  }

  private state(): TrainState {
    const extras: TrainerExtras = this.scaler.enabled ? { scaler: this.scaler.stateDict() } : {};
    return {
      step: this.step,
      phase: this.schedule.phaseAt(this.step).index,
      rngState: T.getRngState(),
      loaderState: this.position,
      configHash: this.hash,
      bestMIoU: this.bestMIoU,
      config: this.cfg,
      extras: { ...extras },
    };
  }

  private checkpoint(file: string): void {
    if (!this.isMain) return;
    saveCheckpoint(file, this.model.stateDict(), this.optimizer.stateDict(), this.state());
  }

  /** Validates, logs, and saves best.safetensors on a new best mIoU. */
  private async validateNow(valSet: Dataset, metrics: MetricsLog | null, tb: TensorBoardWriter | null, phase: number, time: number): Promise<void> {
    const step = this.step;
    const v = await validate({
      model: this.model,
      dataset: valSet,
      eval: this.cfg.eval,
      device: this.device,
      evalDir: this.paths.eval,
      step,
      modelName: this.cfg.model.name,
      group: this.dp?.group,
      source: this.valSource,
    });
    enterPhase(this.model, this.cfg.train.phases[phase]!, this.augmentation, this.settings);
    // every rank validated its share; rank 0 records the summed result
    if (!metrics || !tb) return;
    metrics.write({ step, phase, val: v, time });
    const perClass = Object.fromEntries(valSet.labelSpace.classes.flatMap((name, k) => (v.perClass[k] == null ? [] : [[`val/IoU/${name}`, v.perClass[k]!]])));
    tb.addScalars(step, { 'val/mIoU': v.mIoU, 'val/pixelAcc': v.pixelAcc, ...perClass });
    this.log(`step ${step}: val mIoU ${(100 * v.mIoU).toFixed(2)}  pixel acc ${(100 * v.pixelAcc).toFixed(2)}`);
    if (Number.isFinite(v.mIoU) && (this.bestMIoU === null || v.mIoU > this.bestMIoU)) {
      this.bestMIoU = v.mIoU;
      this.checkpoint(this.ckpts.bestFile);
      writeJson(this.bestJson, { step, mIoU: v.mIoU });
    }
  }

  /** True when any rank asked to stop (a collective when data-parallel). */
  private agreeToStop(local: boolean): boolean {
    if (!this.dp) return local;
    using flag = T.tensor([local ? 1 : 0], [1], { dtype: 'float32' });
    this.dp.group.allReduce(flag, 'max');
    return flag.item() > 0;
  }

  /** Runs steps until the end of the schedule, `stopAfter`, or a stop request; returns whether it stopped early. */
  async loop(stopAfter: number | undefined): Promise<boolean> {
    const { cfg, schedule, model } = this;
    const t = cfg.train;
    // only rank 0 writes; the others' logs would be copies (the loss logged is the global batch's)
    const metrics = this.isMain ? new MetricsLog(this.paths.metrics) : null;
    const tb = this.isMain ? new TensorBoardWriter(this.paths.tb) : null;
    if (this.step > 0) tb?.addSessionStart(this.step + 1);
    const worldSize = this.dp?.worldSize ?? 1;
    const collate = collateTo(this.device);
    // every rank plans the global batch (batch × world size, the single-process order) and loads only its share
    const share = this.dp ? { rank: this.dp.rank, worldSize } : null;
    const runStart = performance.now();
    const elapsed = () => (performance.now() - runStart) / 1000;
    // throughput counts training time only (not validation or checkpoint writing)
    const window = { loss: 0, steps: 0, images: 0, seconds: 0 };
    let phase = -1;
    // declared out here so that a failure while setting up (e.g. a dataset smaller than one batch) still closes
    // the worker threads, which would otherwise keep the process alive
    let pool: DataWorkerPool | null = null;
    let valPool: DataWorkerPool | null = null;
    let batches: ReturnType<DataLoader<Batch>['iterate']> | null = null;
    this.progress.start(this.step);
    try {
      // decode + augmentation in worker threads (data.workers, default one per core; 0: on this thread); the
      // samples are the same pure function of (seed, epoch, index) either way, so resume stays exact
      const workers = cfg.data.workers ?? defaultWorkers();
      pool =
        workers > 0 ? await DataWorkerPool.start({ data: cfg.data.train, transform: cfg.transforms, seed: t.seed, workers, dataset: this.trainSet }) : null;
      valPool =
        workers > 0 && cfg.data.val && this.valSet ? await DataWorkerPool.start({ data: cfg.data.val, transform: null, workers, dataset: this.valSet }) : null;
      this.valSource = valPool ?? undefined;
      const loader = new DataLoader<Batch>(this.trainSet, {
        batchSize: t.batchSize * worldSize,
        shuffle: true,
        dropLast: true,
        seed: t.seed,
        ...(pool ? { source: pool } : { transform: trainTransform(cfg.transforms) }),
        collate,
        ...(share ? { share } : {}),
      });
      // the loader regenerates exactly the batches an uninterrupted run would see from `position` on
      const iterator = loader.iterate({ startAt: this.position });
      batches = iterator;
      const nextBatch = async (): Promise<Batch> => {
        const r = await iterator.next();
        if (r.done) throw new Error('the training loader ended unexpectedly');
        this.position = r.value.next;
        return r.value.batch;
      };
      while (this.step < schedule.totalSteps) {
        const span = schedule.phaseAt(this.step);
        if (span.index !== phase) {
          phase = span.index;
          enterPhase(model, t.phases[phase]!, this.augmentation, this.settings);
        }
        const lr = schedule.lrAt(this.step);
        const t0 = performance.now();
        let res: Awaited<ReturnType<typeof trainStep>>;
        try {
          res = await trainStep({
            model,
            optimizer: this.optimizer,
            scaler: this.scaler,
            next: nextBatch,
            accumulate: t.accumulate,
            lr,
            settings: this.settings,
            step: this.step + 1,
            sync: this.dp ?? undefined,
          });
        } catch (e) {
          if (e instanceof NonFiniteLossError) throw new TrainingDivergedError(e.step, this.lastCheckpoint, e, lr);
          throw e;
        }
        const step = ++this.step;
        window.loss += res.loss;
        window.steps++;
        window.images += res.images * worldSize;
        window.seconds += (performance.now() - t0) / 1000;
        const imagesPerSec = window.seconds > 0 ? window.images / window.seconds : 0;
        const loss = window.loss / window.steps;
        this.progress.update({ step, phase, loss, lr, imagesPerSec });
        const last = step === schedule.totalSteps;
        if (step % t.logEvery === 0 || last) {
          metrics?.write({ step, phase, loss, lr, imagesPerSec, time: elapsed() });
          tb?.addScalars(step, { 'train/loss': loss, 'train/lr': lr, 'train/images_per_sec': imagesPerSec });
          Object.assign(window, { loss: 0, steps: 0, images: 0, seconds: 0 });
        }
        if (this.valSet && ((t.valEvery > 0 && step % t.valEvery === 0) || last)) {
          await this.validateNow(this.valSet, metrics, tb, phase, elapsed());
        }
        // all ranks stop after the same step, whichever of them saw the signal
        const stop = this.agreeToStop(this.stopRequested) || (stopAfter !== undefined && step >= stopAfter);
        if ((t.checkpointEvery > 0 && step % t.checkpointEvery === 0) || step === span.end || stop) {
          this.lastCheckpoint = this.ckpts.stepFile(step);
          this.checkpoint(this.lastCheckpoint);
          if (this.isMain) this.ckpts.prune();
        }
        if (stop && !last) return true;
      }
      return false;
    } finally {
      await batches?.return(undefined);
      await pool?.close();
      await valPool?.close();
      this.valSource = undefined;
      this.progress.stop();
      metrics?.close();
      tb?.close();
    }
  }
}

/** Trains as `opts.config` says, in `opts.runDir`. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const cfg = opts.config;
  const t = cfg.train;
  const resume = opts.resume ?? false;
  const dist = opts.distributed && opts.distributed.worldSize > 1 ? opts.distributed : null;
  const isMain = (dist?.rank ?? 0) === 0;
  // a bad device/amp setting or bad data fails here, before anything is written to the run folder
  const device = deviceOf(cfg, dist?.localRank ?? null);
  const trainSet = await openDataset(cfg.data.train);
  const valSet = cfg.data.val ? await openDataset(cfg.data.val) : null;
  const paths = isMain ? prepareRunDir(opts.runDir, resume) : runPaths(opts.runDir);
  const ckpts = new CheckpointDir(paths.checkpoints, t.keepLast);
  const latest = resume ? ckpts.latest() : null;
  if (resume && latest === null) throw new Error(`--resume: no checkpoint in ${paths.checkpoints}`);
  const schedule = new PolySchedule({ ...t.schedule, phases: t.phases });
  const progress = new TrainProgress(schedule.totalSteps, isMain ? (opts.progress ?? (process.stderr.isTTY ? 'bar' : 'lines')) : 'off', t.logEvery);
  const log = (m: string) => {
    if (isMain) progress.log(m);
  };

  const backbone = cfg.model.pretrainedBackbone;
  if (!resume && backbone !== undefined && !fs.existsSync(backbone)) {
    throw new Error(
      `model.pretrainedBackbone: file not found: ${backbone} (an ImageNet ResNet checkpoint in torchvision's layout, e.g. resnet101-63fe2227.pth)`,
    );
  }
  if (t.threads !== undefined) T.setNumThreads(t.threads);
  if (t.cudnnBenchmark) T.setCudnnBenchmark(true);
  T.manualSeed(t.seed);

  const configJsonExisted = fs.existsSync(paths.config);
  if (isMain) recordRun(paths, cfg, trainSet, valSet, resume, log);

  const { model, pretrained } = buildModel(cfg.model.name, {
    numClasses: cfg.model.numClasses,
    outputStride: t.phases[0]!.outputStride,
    auxLoss: cfg.model.auxLoss,
    // a resumed run loads every weight from its checkpoint
    pretrainedBackbone: resume ? undefined : cfg.model.pretrainedBackbone,
  });
  let optimizer: SGD | null = null;
  let augmentation: Augmentation | null = null;
  let group: ProcessGroup | null = null;
  const onSignal = (sig: NodeJS.Signals) => (run.stopping ? process.exit(130) : run.requestStop(sig));
  let run: TrainRun;
  try {
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
    optimizer = SGD.forParameters(model.namedParameters(), { ...t.optimizer, lr: t.schedule.lr });
    // image- and feature-level methods go on and off with the phase (enterPhase, before the first step)
    augmentation = await buildAugmentation(cfg.augment, { device, numClasses: cfg.model.numClasses });
    let dp: DataParallel | null = null;
    if (dist) {
      const d = cfg.distributed;
      group = ProcessGroup.init({ ...dist, backend: d.backend ?? (device === 'cpu' ? 'gloo' : 'nccl'), timeoutMs: d.timeoutSec * 1000 });
      dp = new DataParallel({ group, lossNormalization: d.lossNormalization, bucketCapMb: d.bucketCapMb, overlapBackward: d.overlapBackward });
      useGlobalBatchDropout(model, { rank: dist.rank, worldSize: dist.worldSize });
      log(
        `data-parallel: ${dist.worldSize} processes × batch ${t.batchSize} (global batch ${dist.worldSize * t.batchSize}), ${group.backend}, loss normalised ${d.lossNormalization === 'global' ? 'over the global batch' : 'per rank'}`,
      );
    }
    run = new TrainRun({ cfg, paths, ckpts, model, optimizer, schedule, trainSet, valSet, device, progress, augmentation, dp });
    if (latest !== null) run.restore(latest, configJsonExisted);
    // rank 0's weights everywhere (torch DDP's start), also after a resume from a checkpoint every rank read
    dp?.broadcastState([...model.stateDict().values(), ...optimizer.stateDict().values()]);
    if (opts.handleSignals) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    const interrupted = await run.loop(opts.stopAfter);
    // a clean end only: after a failure rank 0 would wait (bounded) for peers that may be gone
    dp?.dispose();
    group?.destroy();
    const best = run.bestMIoU === null ? '' : `, best val mIoU ${(100 * run.bestMIoU).toFixed(2)}`;
    const summary = interrupted
      ? `stopped at step ${run.step}/${schedule.totalSteps}; continue with --resume (checkpoint ${run.lastCheckpoint})`
      : `trained ${schedule.totalSteps} steps in ${paths.root}${best}; last checkpoint ${run.lastCheckpoint}`;
    return { step: run.step, totalSteps: schedule.totalSteps, interrupted, bestMIoU: run.bestMIoU, lastCheckpoint: run.lastCheckpoint, summary };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    optimizer?.dispose();
    augmentation?.dispose();
    model.dispose();
  }
}
