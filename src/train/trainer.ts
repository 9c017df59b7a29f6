// The training loop: phases (output stride, frozen BN), poly lr, SGD, periodic validation and checkpoints,
// exact resume, metrics.jsonl + TensorBoard + progress output, and a clean stop on a non-finite loss.
import * as fs from 'node:fs';
import { configHash, type RunConfig } from '../config/index.js';
import { openDataset } from '../data/open.js';
import type { Dataset } from '../data/dataset.js';
import { trainTransform } from '../data/transforms.js';
import { DataLoader, type LoaderPosition } from '../data/loader.js';
import { collateTo, type Batch } from '../data/collate.js';
import { buildModel, type DeepLabV3 } from '../models/index.js';
import { freezeBatchNorm } from '../nn/index.js';
import { PolySchedule, SGD } from '../optim/index.js';
import * as T from '../tensor/index.js';
import type { Device } from '../tensor/index.js';
import { CheckpointDir, readCheckpoint, saveCheckpoint, type TrainState } from './checkpoint.js';
import { GradScaler, type GradScalerState } from './grad-scaler.js';
import { MetricsLog, truncateMetricsLog } from './metrics-log.js';
import { TrainProgress } from './progress.js';
import { configDiff, prepareRunDir, writeJson, type RunPaths } from './run-dir.js';
import { TensorBoardWriter } from './tensorboard.js';
import { NonFiniteLossError, trainStep, type StepSettings } from './train-step.js';
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
  /** Stop (after finishing the current step and checkpointing) on SIGINT/SIGTERM. */
  handleSignals?: boolean;
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

/** Extra checkpoint metadata the trainer keeps beyond TrainState. */
interface TrainerExtras {
  scaler?: GradScalerState;
}

function deviceOf(cfg: RunConfig): Device {
  const d = cfg.train.device as Device;
  if (d !== 'cpu' && !T.cudaIsAvailable()) {
    throw new Error(`train.device is ${d} but CUDA is not available in this libtorch build (see \`shapeseg info\`)`);
  }
  if (d.startsWith('cuda:') && Number(d.slice(5)) >= T.cudaDeviceCount()) {
    throw new Error(`train.device is ${d} but only ${T.cudaDeviceCount()} CUDA device(s) exist`);
  }
  return d;
}

/** Puts the model into a phase: output stride, BN frozen or training. */
function enterPhase(model: DeepLabV3, phase: RunConfig['train']['phases'][number]): void {
  model.train();
  model.setOutputStride(phase.outputStride);
  freezeBatchNorm(model, phase.freezeBN);
}

/** Writes config.json/files.json on a fresh run; on resume reports config drift and file-list changes. */
function recordRun(paths: RunPaths, cfg: RunConfig, trainSet: Dataset, valSet: Dataset | null, resume: boolean, log: (m: string) => void): void {
  const files = { train: { root: trainSet.root, files: trainSet.fileList() }, val: valSet ? { root: valSet.root, files: valSet.fileList() } : null };
  if (resume && fs.existsSync(paths.config)) {
    const diff = configDiff(JSON.parse(fs.readFileSync(paths.config, 'utf8')), cfg);
    if (diff.length > 0) log(`note: config differs from ${paths.config}:\n  ${diff.join('\n  ')}`);
  }
  if (resume && fs.existsSync(paths.files)) {
    const before = JSON.parse(fs.readFileSync(paths.files, 'utf8')) as typeof files;
    if (JSON.stringify(before.train.files) !== JSON.stringify(files.train.files)) {
      throw new Error(`the training file list differs from ${paths.files}; an exact resume needs the same training data`);
    }
  }
  writeJson(paths.config, cfg);
  writeJson(paths.files, files);
}

/** Trains as `opts.config` says, in `opts.runDir`. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const cfg = opts.config;
  const t = cfg.train;
  const resume = opts.resume ?? false;
  const paths = prepareRunDir(opts.runDir, resume);
  const ckpts = new CheckpointDir(paths.checkpoints, t.keepLast);
  const progress = new TrainProgress(
    t.phases.reduce((s, p) => s + p.steps, 0),
    opts.progress ?? (process.stderr.isTTY ? 'bar' : 'lines'),
    t.logEvery,
  );
  const log = (m: string) => progress.log(m);

  const latest = resume ? ckpts.latest() : null;
  if (resume && latest === null) throw new Error(`--resume: no checkpoint in ${paths.checkpoints}`);

  const device = deviceOf(cfg);
  if (t.threads !== undefined) T.setNumThreads(t.threads);
  if (t.cudnnBenchmark) T.setCudnnBenchmark(true);
  T.manualSeed(t.seed);

  const trainSet = await openDataset(cfg.data.train);
  const valSet = cfg.data.val ? await openDataset(cfg.data.val) : null;
  recordRun(paths, cfg, trainSet, valSet, resume, log);

  const schedule = new PolySchedule({ ...t.schedule, phases: t.phases });
  const { model, pretrained } = await buildModel(cfg.model.name, {
    numClasses: cfg.model.numClasses,
    outputStride: t.phases[0]!.outputStride,
    auxLoss: cfg.model.auxLoss,
    // a resumed run loads every weight from its checkpoint
    pretrainedBackbone: resume ? undefined : cfg.model.pretrainedBackbone,
  });
  model.to(device);
  if (pretrained) log(`backbone: ${pretrained.loadedKeys} tensors from ${pretrained.path} (ignored: ${pretrained.ignoredKeys.join(', ') || 'none'})`);
  log(
    `${cfg.model.name}, ${cfg.model.numClasses} classes (${trainSet.labelSpace.name}) on ${device}: ${schedule.totalSteps} steps in ` +
      `${t.phases.length} phase(s), batch ${t.batchSize}${t.accumulate > 1 ? `×${t.accumulate}` : ''}, ` +
      `${trainSet.length} train / ${valSet?.length ?? 0} val images -> ${paths.root}`,
  );
  const optimizer = SGD.forParameters(model.namedParameters(), { ...t.optimizer, lr: t.schedule.lr });
  const scaler = new GradScaler(t.amp === 'fp16');
  const loader = new DataLoader<Batch>(trainSet, {
    batchSize: t.batchSize,
    shuffle: true,
    dropLast: true,
    seed: t.seed,
    transform: trainTransform(cfg.transforms),
    collate: collateTo(device),
  });
  let position: LoaderPosition = { epoch: 0, indexInEpoch: 0 };
  const hash = configHash(cfg);
  let step = 0;
  let bestMIoU: number | null = null;
  let lastCheckpoint: string | null = null;

  if (latest !== null) {
    const ck = await readCheckpoint(latest);
    if (ck.state.configHash !== hash) log(`note: ${latest} was written with a different config (hash ${ck.state.configHash}, now ${hash})`);
    model.loadStateDict(ck.model, { strict: true });
    optimizer.loadStateDict(ck.momentum);
    T.setRngState(ck.state.rngState);
    position = ck.state.loaderState as LoaderPosition;
    const extras = (ck.state.extras ?? {}) as TrainerExtras;
    if (extras.scaler) scaler.loadStateDict(extras.scaler);
    step = ck.state.step;
    bestMIoU = ck.state.bestMIoU;
    lastCheckpoint = latest;
    truncateMetricsLog(paths.metrics, step);
    log(`resuming ${paths.root} at step ${step} from ${latest}`);
  }

  const metrics = new MetricsLog(paths.metrics);
  const tb = new TensorBoardWriter(paths.tb);
  if (latest !== null) tb.addSessionStart(step + 1);
  const settings: StepSettings = { device, channelsLast: t.channelsLast, amp: t.amp };
  let stopRequested = false;
  const onSignal = (sig: string) => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    log(`${sig}: stopping after this step (checkpointing first); press again to abort`);
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  if (opts.handleSignals) {
    process.on('SIGINT', sigint);
    process.on('SIGTERM', sigterm);
  }

  const state = (): TrainState => ({
    step,
    phase: schedule.phaseAt(step).index,
    rngState: T.getRngState(),
    loaderState: position,
    configHash: hash,
    bestMIoU,
    config: cfg,
    extras: scaler.enabled ? { scaler: scaler.stateDict() } : {},
  });
  const checkpoint = async (file: string) => {
    await saveCheckpoint(file, model.stateDict(), optimizer.stateDict(), state());
  };

  // the loader regenerates exactly the batches an uninterrupted run would see from `position` on
  const batches = loader.iterate({ startAt: position });
  const nextBatch = async (): Promise<Batch> => {
    const r = await batches.next();
    if (r.done) throw new Error('the training loader ended unexpectedly');
    position = r.value.next;
    return r.value.batch;
  };
  const runStart = performance.now();
  // throughput counts training time only (not validation or checkpoint writing)
  const window = { loss: 0, steps: 0, images: 0, seconds: 0 };
  let phaseIndex = -1;
  let interrupted = false;
  progress.start(step);
  try {
    while (step < schedule.totalSteps) {
      const span = schedule.phaseAt(step);
      if (span.index !== phaseIndex) {
        phaseIndex = span.index;
        enterPhase(model, t.phases[phaseIndex]!);
      }
      const lr = schedule.lrAt(step);
      let res;
      const t0 = performance.now();
      try {
        res = await trainStep(model, optimizer, scaler, nextBatch, t.accumulate, lr, settings, step + 1);
      } catch (e) {
        if (e instanceof NonFiniteLossError) throw new TrainingDivergedError(e.step, lastCheckpoint, e, lr);
        throw e;
      }
      step++;
      window.loss += res.loss;
      window.steps++;
      window.images += res.images;
      window.seconds += (performance.now() - t0) / 1000;
      const imagesPerSec = window.seconds > 0 ? window.images / window.seconds : 0;
      progress.update({ step, phase: phaseIndex, loss: window.loss / window.steps, lr, imagesPerSec });
      if (step % t.logEvery === 0 || step === schedule.totalSteps) {
        const loss = window.loss / window.steps;
        metrics.write({ step, phase: phaseIndex, loss, lr, imagesPerSec, time: (performance.now() - runStart) / 1000 });
        tb.addScalars(step, { 'train/loss': loss, 'train/lr': lr, 'train/images_per_sec': imagesPerSec });
        Object.assign(window, { loss: 0, steps: 0, images: 0, seconds: 0 });
      }

      const last = step === schedule.totalSteps;
      if (valSet && ((t.valEvery > 0 && step % t.valEvery === 0) || last)) {
        const v = await validate(model, valSet, cfg.eval, device, paths.eval, step, cfg.model.name);
        enterPhase(model, t.phases[phaseIndex]!);
        metrics.write({ step, phase: phaseIndex, val: v, time: (performance.now() - runStart) / 1000 });
        tb.addScalars(step, { 'val/mIoU': v.mIoU, 'val/pixelAcc': v.pixelAcc });
        log(`step ${step}: val mIoU ${(100 * v.mIoU).toFixed(2)}  pixel acc ${(100 * v.pixelAcc).toFixed(2)}`);
        if (Number.isFinite(v.mIoU) && (bestMIoU === null || v.mIoU > bestMIoU)) {
          bestMIoU = v.mIoU;
          await checkpoint(ckpts.bestFile);
        }
      }

      const stopping = stopRequested || (opts.stopAfter !== undefined && step >= opts.stopAfter);
      const phaseEnd = step === span.end;
      if ((t.checkpointEvery > 0 && step % t.checkpointEvery === 0) || phaseEnd || stopping) {
        lastCheckpoint = ckpts.stepFile(step);
        await checkpoint(lastCheckpoint);
        ckpts.prune();
      }
      if (stopping && !last) {
        interrupted = true;
        break;
      }
    }
  } finally {
    await batches.return(undefined);
    progress.stop();
    metrics.close();
    tb.close();
    if (opts.handleSignals) {
      process.off('SIGINT', sigint);
      process.off('SIGTERM', sigterm);
    }
    optimizer.dispose();
    model.dispose();
  }
  const best = bestMIoU === null ? '' : `, best val mIoU ${(100 * bestMIoU).toFixed(2)}`;
  const summary = interrupted
    ? `stopped at step ${step}/${schedule.totalSteps}; continue with --resume (checkpoint ${lastCheckpoint})`
    : `trained ${schedule.totalSteps} steps in ${paths.root}${best}; last checkpoint ${lastCheckpoint}`;
  return { step, totalSteps: schedule.totalSteps, interrupted, bestMIoU, lastCheckpoint, summary };
}
