// Texture-shift evaluation: one model over every style of a suite (src/synth/suite.ts) — the same scenes
// and label maps in the training style, the shifted (selection) styles, the held-out test styles, a
// texture-free style and a cue-conflict style —
// with each style's metrics, its drop from the training style, and the shape-bias score on the
// cue-conflict style. The result file (shift-eval.json) is read back by the report.
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { Dataset, Sample } from '../data/dataset.js';
import type { LabelSpace } from '../data/label-spaces.js';
import { openDataset } from '../data/open.js';
import { DataConfigSchema } from '../data/schema.js';
import { writeFileAtomicAsync } from '../io/atomic.js';
import type { OutputStride } from '../models/deeplabv3.js';
import { BATCHNORM_CHOICES, type BatchNormChoice } from '../nn/batchnorm-choice.js';
import type { SuiteManifest } from '../synth/suite.js';
import type { Device } from '../tensor/index.js';
import type { AdaptOptions } from './adapt/options.js';
import { AdaptSettingsRecordSchema, adaptationRecord } from './adapt/record.js';
import { type EvaluableModel, evaluate, evaluationToFile } from './evaluate.js';
import { type EvalResultFile, EvalResultSchema, finiteOrNull } from './result-file.js';
import { ShapeBias, type ShapeBiasCounts, type ShapeBiasResult } from './shape-bias.js';

/** Identifies the file layout; bump on incompatible changes. */
export const SHIFT_EVAL_FORMAT = 'shapeseg-shift-eval/1';

/** File name of the result in the output folder. */
export const SHIFT_EVAL_FILE = 'shift-eval.json';

const num = z.number().nullable();
const CountsSchema = z.strictObject({ shape: z.number(), texture: z.number(), other: z.number(), score: num });

/** Schema of shift-eval.json. */
export const ShiftEvalSchema = z.looseObject({
  format: z.literal(SHIFT_EVAL_FORMAT),
  createdAt: z.string(),
  checkpoint: z.string().nullable(),
  model: z.string().nullable(),
  /** The BatchNorm the model normalised with (`--bn`); absent: main. */
  batchNorm: z.enum(BATCHNORM_CHOICES).optional(),
  labelSpace: z.string(),
  classNames: z.array(z.string()),
  suite: z.looseObject({ dir: z.string(), seed: z.number(), frames: z.number(), worlds: z.array(z.string()), height: z.number(), width: z.number() }),
  trainingStyle: z.string(),
  styles: z
    .array(
      z.looseObject({
        name: z.string(),
        role: z.string(),
        /** Training-style value minus this style's (positive = worse here). */
        drop: z.strictObject({ mIoU: num, pixelAccuracy: num }),
        /** Figure file (image | gt | prediction | errors rows) beside shift-eval.json, if written. */
        figure: z.string().nullable(),
        result: EvalResultSchema,
      }),
    )
    .min(1),
  /** Test-time adaptation: each style adapted on its own images (online TENT starts afresh per style); null: none. */
  adaptation: AdaptSettingsRecordSchema.nullable().optional(),
  /** Geirhos-style score on the cue-conflict style; null when the suite has none. */
  shapeBias: z.strictObject({ style: z.string(), overall: CountsSchema, perClass: z.record(z.string(), CountsSchema) }).nullable(),
});

/** The content of shift-eval.json. */
export type ShiftEvalFile = z.infer<typeof ShiftEvalSchema>;

/** Options of runShiftEval(). */
export interface ShiftEvalOptions {
  labelSpace: LabelSpace;
  device: Device;
  outputStride?: OutputStride;
  scales?: readonly number[];
  flip?: boolean;
  /** Which BatchNorm the model normalises with, recorded in the file (the caller loads the model accordingly). */
  batchNorm?: BatchNormChoice;
  /** Evaluate only the first n images of each style. */
  limit?: number;
  boundaryRatio?: number;
  trimapRatio?: number;
  /** Indices (within the evaluated images) whose predictions are kept as examples, the same for every style. */
  exampleIndices?: readonly number[];
  /** Test-time adaptation, per style on that style's images (reported apart: it uses target images). */
  adapt?: AdaptOptions | null;
  onProgress?: (style: string, done: number, total: number) => void;
}

/** One kept example (photo, ground truth, prediction). */
export interface ShiftExample {
  image: Uint8Array;
  label: Uint8Array;
  pred: Uint8Array;
  width: number;
  height: number;
}

/** What runShiftEval() returns: the file content (figures unset) and the examples per style. */
export interface ShiftEvalRun {
  file: ShiftEvalFile;
  examples: Map<string, ShiftExample[]>;
}

function openStyle(root: string, layout: SuiteManifest['layout'], space: LabelSpace): Promise<Dataset> {
  return openDataset(DataConfigSchema.parse({ layout, root, labelSpace: space.name }));
}

function countsJson(c: ShapeBiasCounts): z.infer<typeof CountsSchema> {
  return { shape: c.shape, texture: c.texture, other: c.other, score: finiteOrNull(c.score) };
}

/** Evaluates `model` on every style of the suite in `suiteDir`; the shape-bias score accumulates in the cue-conflict pass. */
export async function runShiftEval(
  model: EvaluableModel,
  suiteDir: string,
  manifest: SuiteManifest,
  prov: { checkpoint: string | null; model: string | null },
  opts: ShiftEvalOptions,
): Promise<ShiftEvalRun> {
  const space = opts.labelSpace;
  const results: Array<{ name: string; role: string; result: EvalResultFile }> = [];
  const examples = new Map<string, ShiftExample[]>();
  const keep = new Set(opts.exampleIndices ?? []);
  let shapeBias: ShapeBiasResult | null = null;
  for (const style of manifest.styles) {
    const dataset = await openStyle(path.join(suiteDir, style.dir), manifest.layout, space);
    const count = opts.limit !== undefined ? Math.min(opts.limit, dataset.length) : dataset.length;
    const indices = Array.from({ length: count }, (_, i) => i);
    const isConflict = manifest.cueConflict !== null && style.name === manifest.cueConflict.style;
    // the texture-class maps: a KITTI-layout twin of the cue-conflict style whose labels are the texture classes
    const texture = isConflict ? await openStyle(path.join(suiteDir, manifest.cueConflict!.textureSourceDir), 'kitti', space) : null;
    if (texture && texture.length !== dataset.length)
      throw new Error(`${texture.root}: ${texture.length} texture maps for ${dataset.length} cue-conflict images`);
    const bias = texture ? new ShapeBias(space.numClasses) : null;
    const kept: ShiftExample[] = [];
    let k = 0;
    const onPrediction = async (s: Sample, pred: Uint8Array): Promise<void> => {
      const i = indices[k++]!;
      if (keep.has(i)) kept.push({ image: s.image, label: s.label, pred, width: s.width, height: s.height });
      if (!texture || !bias) return;
      const t = await texture.load(i);
      if (t.id !== s.id) throw new Error(`cue-conflict image ${s.id} has texture map ${t.id} at the same position in ${texture.root}`);
      bias.update(s.label, t.label, pred);
    };
    const r = await evaluate(model, dataset, {
      labelSpace: space,
      device: opts.device,
      ...(opts.outputStride !== undefined ? { outputStride: opts.outputStride } : {}),
      scales: opts.scales ?? [1],
      flip: opts.flip ?? false,
      indices,
      ...(opts.boundaryRatio !== undefined ? { boundaryRatio: opts.boundaryRatio } : {}),
      ...(opts.trimapRatio !== undefined ? { trimapRatio: opts.trimapRatio } : {}),
      onPrediction,
      adapt: opts.adapt ?? null,
      onProgress: (done, total) => opts.onProgress?.(style.name, done, total),
    });
    if (bias) shapeBias = bias.result();
    examples.set(style.name, kept);
    const spec = `${manifest.layout}:${dataset.root}`;
    results.push({
      name: style.name,
      role: style.role,
      result: evaluationToFile(r, {
        checkpoint: prov.checkpoint,
        model: prov.model,
        labelSpace: space.name,
        classNames: space.classes,
        data: { spec, split: null, count },
        outputStride: opts.outputStride ?? null,
        scales: opts.scales ?? [1],
        flip: opts.flip ?? false,
        ...(opts.batchNorm !== undefined ? { batchNorm: opts.batchNorm } : {}),
        adaptation: adaptationRecord(opts.adapt, count, spec),
      }),
    });
  }
  const train = results.find((r) => r.name === manifest.trainingStyle) ?? null;
  const drop = (a: number | null | undefined, b: number | null): number | null => (a == null || b === null ? null : a - b);
  const conflictStyle = manifest.cueConflict?.style ?? null;
  const file: ShiftEvalFile = {
    format: SHIFT_EVAL_FORMAT,
    createdAt: new Date().toISOString(),
    checkpoint: prov.checkpoint,
    model: prov.model,
    ...(opts.batchNorm !== undefined ? { batchNorm: opts.batchNorm } : {}),
    labelSpace: space.name,
    classNames: [...space.classes],
    suite: {
      dir: path.resolve(suiteDir),
      seed: manifest.seed,
      frames: manifest.frames,
      worlds: manifest.worlds,
      height: manifest.height,
      width: manifest.width,
    },
    trainingStyle: manifest.trainingStyle,
    styles: results.map((r) => ({
      name: r.name,
      role: r.role,
      drop: { mIoU: drop(train?.result.mIoU, r.result.mIoU), pixelAccuracy: drop(train?.result.pixelAccuracy, r.result.pixelAccuracy) },
      figure: null,
      result: r.result,
    })),
    adaptation: opts.adapt ?? null,
    shapeBias:
      shapeBias !== null && conflictStyle !== null
        ? {
            style: conflictStyle,
            overall: countsJson((shapeBias as ShapeBiasResult).overall),
            perClass: Object.fromEntries(space.classes.map((n, c) => [n, countsJson((shapeBias as ShapeBiasResult).perClass[c]!)])),
          }
        : null,
  };
  return { file, examples };
}

/** Writes shift-eval.json atomically. */
export function writeShiftEval(file: string, content: ShiftEvalFile): Promise<void> {
  return writeFileAtomicAsync(file, `${JSON.stringify(content, null, 2)}\n`);
}

/** Reads and validates a shift-eval.json; errors name the file and the field. */
export function readShiftEval(file: string): ShiftEvalFile {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message})`);
  }
  const r = ShiftEvalSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${file}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}
