// The training loop, read like torchvision's train_one_epoch: phases (output stride, frozen BN), poly lr, SGD,
// periodic validation and checkpoints, exact resume, metrics.jsonl + TensorBoard + progress output, and a clean
// stop on a non-finite loss or a signal. What it is assembled from lives in setup.ts, the data in src/data.
import type { RunConfig } from '../config/index.js';
import { openTrainData, type TrainData } from '../data/train-data.js';
import type { DistributedEnv } from '../distributed/index.js';
import { enterPhase, type Phase } from './phase.js';
import { setUpTraining, type TrainingSetup } from './setup.js';
import { StopRequest } from './stop-request.js';
import { TrainLog } from './train-log.js';
import { NonFiniteLossError, trainStep } from './train-step.js';
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

/** One optimizer step of the run at `lr` in `phase`; a non-finite loss becomes a TrainingDivergedError. */
async function step(s: TrainingSetup, data: TrainData, phase: Phase, lr: number): Promise<{ loss: number; images: number }> {
  const { model, optimizer, scaler, cfg, dp, state } = s;
  const settings = { device: s.device, channelsLast: cfg.train.channelsLast, amp: s.amp };
  const next = () => data.next();
  try {
    const opts = { model, optimizer, scaler, next, accumulate: cfg.train.accumulate, lr, settings, augment: phase.augment, loss: s.loss, step: state.step + 1 };
    return await trainStep({ ...opts, sync: dp ?? undefined });
  } catch (e) {
    if (e instanceof NonFiniteLossError) throw new TrainingDivergedError(e.step, state.lastCheckpoint, e, lr);
    throw e;
  } finally {
    state.position = data.position;
  }
}

/** Validates on every rank (each its share), logs on rank 0, keeps the best checkpoint. */
async function validateNow(s: TrainingSetup, data: TrainData, log: TrainLog, phase: number): Promise<void> {
  const { model, valSet, cfg, device, paths, world, state } = s;
  if (!valSet) return;
  const v = await validate({
    model,
    dataset: valSet,
    eval: cfg.eval,
    device,
    evalDir: paths.eval,
    step: state.step,
    modelName: cfg.model.name,
    world,
    source: data.valSource,
  });
  log.validation(state.step, phase, v, valSet.labelSpace.classes);
  state.recordValidation(v.mIoU);
}

/** Runs steps until the end of the schedule, `stopAfter`, or an agreed stop request; returns whether it stopped early. */
async function loop(s: TrainingSetup, stop: StopRequest, stopAfter: number | undefined): Promise<boolean> {
  const { cfg, schedule, model, state, augmentation, world } = s;
  const t = cfg.train;
  const log = new TrainLog(s.paths, s.progress, t.logEvery, s.isMain, state.step);
  let data: TrainData | null = null;
  try {
    const val = cfg.data.val && s.valSet ? { config: cfg.data.val, dataset: s.valSet } : null;
    const train = { config: cfg.data.train, dataset: s.trainSet };
    data = await openTrainData({
      train,
      val,
      transforms: cfg.transforms,
      batchSize: t.batchSize,
      seed: t.seed,
      workers: cfg.data.workers,
      device: s.device,
      world,
      startAt: state.position,
    });
    let phase: Phase | null = null;
    while (state.step < schedule.totalSteps) {
      const span = schedule.phaseAt(state.step);
      if (span.index !== phase?.index) phase = enterPhase(model, t.phases, span.index, augmentation);
      const lr = schedule.lrAt(state.step);
      const t0 = performance.now();
      const res = await step(s, data, phase, lr);
      const done = ++state.step;
      const last = done === schedule.totalSteps;
      const seconds = (performance.now() - t0) / 1000;
      log.step({ step: done, phase: phase.index, loss: res.loss, lr, images: res.images * world.worldSize, seconds }, last);
      if (s.valSet && ((t.valEvery > 0 && done % t.valEvery === 0) || last)) {
        await validateNow(s, data, log, phase.index);
        // validation left the model in eval mode: back into the phase
        phase = enterPhase(model, t.phases, phase.index, augmentation);
      }
      // every rank stops after the same step, whichever of them saw the signal
      const stopping = stop.agreed() || (stopAfter !== undefined && done >= stopAfter);
      if ((t.checkpointEvery > 0 && done % t.checkpointEvery === 0) || done === span.end || stopping) state.saveStep();
      if (stopping && !last) return true;
    }
    return false;
  } finally {
    await data?.close();
    log.close();
  }
}

/** Trains as `opts.config` says, in `opts.runDir`. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const s = await setUpTraining({
    config: opts.config,
    runDir: opts.runDir,
    resume: opts.resume ?? false,
    progress: opts.progress,
    distributed: opts.distributed,
  });
  let clean = false;
  try {
    using stop = new StopRequest(s.world, (m) => s.log(m));
    if (opts.handleSignals) stop.listen();
    const interrupted = await loop(s, stop, opts.stopAfter);
    clean = true;
    const { state, schedule, paths } = s;
    const best = state.bestMIoU === null ? '' : `, best val mIoU ${(100 * state.bestMIoU).toFixed(2)}`;
    const summary = interrupted
      ? `stopped at step ${state.step}/${schedule.totalSteps}; continue with --resume (checkpoint ${state.lastCheckpoint})`
      : `trained ${schedule.totalSteps} steps in ${paths.root}${best}; last checkpoint ${state.lastCheckpoint}`;
    return { step: state.step, totalSteps: schedule.totalSteps, interrupted, bestMIoU: state.bestMIoU, lastCheckpoint: state.lastCheckpoint, summary };
  } finally {
    s.dispose(clean);
  }
}
