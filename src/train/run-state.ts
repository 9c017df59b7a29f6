// What a training run carries from step to step and across a resume: counters, the data position, the best
// validation, and the checkpoint files holding them with the weights, momentum, RNG and loss scaler.
import * as fs from 'node:fs';
import * as z from 'zod';
import { configHash, type RunConfig } from '../config/index.js';
import { type LoaderPosition, LoaderPositionSchema } from '../data/loader.js';
import type { DeepLabModel } from '../models/index.js';
import type { PolySchedule, SGD } from '../optim/index.js';
import * as T from '../tensor/index.js';
import { CheckpointDir, readCheckpoint, saveCheckpoint } from './checkpoint.js';
import { type GradScaler, GradScalerStateSchema } from './grad-scaler.js';
import { truncateMetricsLog } from './metrics-log.js';
import { type RunPaths, writeJson } from './run-dir.js';

/** JSON state the trainer keeps in a checkpoint's `extras` (validated when read: a checkpoint is input). */
const TrainerExtrasSchema = z.object({ scaler: GradScalerStateSchema.optional() });

/** The parts of a run whose state a checkpoint holds. */
export interface RunStateParts {
  cfg: RunConfig;
  paths: RunPaths;
  model: DeepLabModel;
  optimizer: SGD;
  scaler: GradScaler;
  schedule: PolySchedule;
  /** Rank 0 (or the only process) writes checkpoints; the other ranks only keep count. */
  isMain: boolean;
}

/** Parses a checkpoint's JSON field with a schema; the error names the file and the field. */
function parseField<S extends z.ZodType>(file: string, field: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new Error(`${file}: checkpoint field ${field} is not valid (${r.error.issues.map((i) => `${i.path.join('.') || field}: ${i.message}`).join('; ')})`);
  return r.data;
}

/** best.json beside best.safetensors: the mIoU of the best validation so far (null when none yet). */
function readBest(file: string): number | null {
  if (!fs.existsSync(file)) return null;
  const v = (JSON.parse(fs.readFileSync(file, 'utf8')) as { mIoU?: unknown }).mIoU;
  return typeof v === 'number' ? v : null;
}

/** Step, data position and best validation of a run, saved to and restored from its checkpoints. */
export class RunState {
  step = 0;
  position: LoaderPosition = { epoch: 0, indexInEpoch: 0 };
  bestMIoU: number | null = null;
  lastCheckpoint: string | null = null;
  readonly checkpoints: CheckpointDir;
  private readonly hash: string;

  constructor(private readonly parts: RunStateParts) {
    this.checkpoints = new CheckpointDir(parts.paths.checkpoints, parts.cfg.train.keepLast);
    this.hash = configHash(parts.cfg);
  }

  /** Restores model, momentum, RNG, loader position, scaler and counters from a checkpoint; returns a note on config drift, if any. */
  restore(file: string, configJsonExisted: boolean): string | null {
    const { model, optimizer, scaler, isMain, paths } = this.parts;
    const ck = readCheckpoint(file);
    const position = parseField(file, 'loader', LoaderPositionSchema, ck.state.loaderState);
    const extras = parseField(file, 'extras', TrainerExtrasSchema, ck.state.extras ?? {});
    model.loadStateDict(ck.model, { strict: true });
    optimizer.loadStateDict(ck.momentum);
    T.setRngState(ck.state.rngState);
    if (extras.scaler) scaler.loadStateDict(extras.scaler);
    this.position = position;
    this.step = ck.state.step;
    // best.safetensors may come from a validation after this checkpoint
    const bests = [ck.state.bestMIoU, readBest(this.checkpoints.bestJson)].filter((v): v is number => v !== null);
    this.bestMIoU = bests.length > 0 ? Math.max(...bests) : null;
    this.lastCheckpoint = file;
    if (isMain) truncateMetricsLog(paths.metrics, this.step);
    return !configJsonExisted && ck.state.configHash !== this.hash
      ? `note: ${file} was written with a different config (hash ${ck.state.configHash}, now ${this.hash})`
      : null;
  }

  /** Writes `file` (rank 0 only): weights, momentum and everything an exact resume needs. */
  save(file: string): void {
    const { cfg, model, optimizer, scaler, schedule, isMain } = this.parts;
    if (!isMain) return;
    saveCheckpoint(file, model.stateDict(), optimizer.stateDict(), {
      step: this.step,
      phase: schedule.phaseAt(this.step).index,
      rngState: T.getRngState(),
      loaderState: this.position,
      configHash: this.hash,
      bestMIoU: this.bestMIoU,
      config: cfg,
      extras: scaler.enabled ? { scaler: scaler.stateDict() } : {},
    });
  }

  /** The step checkpoint after this step (also the one a resume starts from); prunes the older ones. */
  saveStep(): void {
    this.lastCheckpoint = this.checkpoints.stepFile(this.step);
    this.save(this.lastCheckpoint);
    if (this.parts.isMain) this.checkpoints.prune();
  }

  /** Records a validation's mIoU; on a new best, writes best.safetensors and best.json. */
  recordValidation(mIoU: number): void {
    if (!Number.isFinite(mIoU) || (this.bestMIoU !== null && mIoU <= this.bestMIoU)) return;
    this.bestMIoU = mIoU;
    this.save(this.checkpoints.bestFile);
    if (this.parts.isMain) writeJson(this.checkpoints.bestJson, { step: this.step, mIoU });
  }
}
