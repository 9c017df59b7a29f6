// Training checkpoints: one safetensors file holding the model state (`model.<key>`), the SGD momentum
// buffers (`optim.momentum.<param>`) and, in its JSON metadata, everything else needed to resume exactly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, writeSafetensors } from '../io/index.js';
import type { RawTensor, Tensor } from '../tensor/index.js';

/** Metadata `format` value of a training checkpoint. */
export const TRAIN_CHECKPOINT_FORMAT = 'shapeseg-train-checkpoint/1';
const MODEL_PREFIX = 'model.';
const OPTIM_PREFIX = 'optim.momentum.';

/** Everything besides tensors that a resumed run needs. */
export interface TrainState {
  /** Optimizer steps completed. */
  step: number;
  /** Phase index of the next step. */
  phase: number;
  /** Torch generator state (getRngState) after `step` steps. */
  rngState: Uint8Array;
  /** The train loader's resume position (opaque JSON from the data layer). */
  loaderState: unknown;
  configHash: string;
  /** Best validation mIoU so far (null before the first validation). */
  bestMIoU: number | null;
  /** The validated run config (makes the checkpoint self-describing for eval/predict). */
  config: unknown;
  /** Further JSON state (e.g. the fp16 loss scaler). */
  extras?: Record<string, unknown>;
}

/** A checkpoint read back: host tensors and the train state. */
export interface LoadedCheckpoint {
  file: string;
  model: Map<string, RawTensor>;
  momentum: Map<string, RawTensor>;
  state: TrainState;
}

/** Saves a training checkpoint (atomically: writeSafetensors writes a temp file and renames it). */
export function saveCheckpoint(file: string, model: Map<string, Tensor>, momentum: Map<string, Tensor>, state: TrainState): void {
  const tensors = new Map<string, RawTensor>();
  for (const [k, t] of model) tensors.set(MODEL_PREFIX + k, t.toRaw());
  for (const [k, t] of momentum) tensors.set(OPTIM_PREFIX + k, t.toRaw());
  const metadata: Record<string, string> = {
    format: TRAIN_CHECKPOINT_FORMAT,
    step: String(state.step),
    phase: String(state.phase),
    rng: Buffer.from(state.rngState).toString('base64'),
    loader: JSON.stringify(state.loaderState ?? null),
    configHash: state.configHash,
    bestMIoU: JSON.stringify(state.bestMIoU),
    config: JSON.stringify(state.config),
    extras: JSON.stringify(state.extras ?? {}),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeSafetensors(file, tensors, metadata);
}

function metaField(file: string, meta: Record<string, string>, key: string): string {
  const v = meta[key];
  if (v === undefined) throw new Error(`${file}: not a shapeseg training checkpoint (metadata has no "${key}")`);
  return v;
}

/** Reads a training checkpoint written by saveCheckpoint. */
export function readCheckpoint(file: string): LoadedCheckpoint {
  const { tensors, metadata } = readSafetensors(file);
  const meta = metadata ?? {};
  const format = metaField(file, meta, 'format');
  if (format !== TRAIN_CHECKPOINT_FORMAT) throw new Error(`${file}: checkpoint format ${format}, expected ${TRAIN_CHECKPOINT_FORMAT}`);
  const model = new Map<string, RawTensor>();
  const momentum = new Map<string, RawTensor>();
  for (const [k, t] of tensors) {
    if (k.startsWith(MODEL_PREFIX)) model.set(k.slice(MODEL_PREFIX.length), t);
    else if (k.startsWith(OPTIM_PREFIX)) momentum.set(k.slice(OPTIM_PREFIX.length), t);
    else throw new Error(`${file}: unexpected tensor ${k} in a training checkpoint`);
  }
  const state: TrainState = {
    step: Number(metaField(file, meta, 'step')),
    phase: Number(metaField(file, meta, 'phase')),
    rngState: new Uint8Array(Buffer.from(metaField(file, meta, 'rng'), 'base64')),
    loaderState: JSON.parse(metaField(file, meta, 'loader')) as unknown,
    configHash: metaField(file, meta, 'configHash'),
    bestMIoU: JSON.parse(meta.bestMIoU ?? 'null') as number | null,
    config: JSON.parse(meta.config ?? 'null') as unknown,
    extras: JSON.parse(meta.extras ?? '{}') as Record<string, unknown>,
  };
  return { file, model, momentum, state };
}

const STEP_FILE = /^step-(\d+)\.safetensors$/;

/** The checkpoints/ folder of a run: `step-<N>.safetensors` (last K kept) and `best.safetensors`. */
export class CheckpointDir {
  constructor(
    readonly dir: string,
    readonly keepLast: number,
  ) {}

  /** Path of the checkpoint after `step` steps. */
  stepFile(step: number): string {
    return path.join(this.dir, `step-${String(step).padStart(8, '0')}.safetensors`);
  }

  /** Path of the best-by-val-mIoU checkpoint. */
  get bestFile(): string {
    return path.join(this.dir, 'best.safetensors');
  }

  /** best.json beside best.safetensors: the step and mIoU of the best validation so far. */
  get bestJson(): string {
    return path.join(this.dir, 'best.json');
  }

  /** Step checkpoints on disk, oldest first. */
  list(): Array<{ step: number; file: string }> {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .map((f) => STEP_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ step: Number(m[1]), file: path.join(this.dir, m[0]) }))
      .sort((a, b) => a.step - b.step);
  }

  /** The newest step checkpoint, or null. */
  latest(): string | null {
    const all = this.list();
    return all.length > 0 ? all[all.length - 1]!.file : null;
  }

  /** Deletes all but the newest `keepLast` step checkpoints (best.safetensors is separate and kept). */
  prune(): void {
    const all = this.list();
    for (const { file } of all.slice(0, Math.max(0, all.length - this.keepLast))) fs.rmSync(file, { force: true });
  }
}
