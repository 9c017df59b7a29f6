// The evaluation result file (eval/*.json of a run): written atomically, read back by the report.
import fs from 'node:fs';
import * as z from 'zod';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { BATCHNORM_CHOICES, type BatchNormChoice } from '../nn/batchnorm-choice.js';
import { type AdaptationRecord, AdaptationRecordSchema } from './adapt/record.js';
import type { BoundaryIoUResult } from './boundary-iou.js';
import type { SegMetrics } from './metrics.js';
import type { TrimapResult } from './trimap.js';

/** Identifies the file layout; bump on incompatible changes. */
export const EVAL_FORMAT = 'shapeseg-eval/1';

/** JSON has no NaN: undefined metrics (absent classes) are written as null. */
const num = z.number().nullable();

const PerImageSchema = z.looseObject({ id: z.string(), mIoU: num, pixelAccuracy: num });

/** Boundary IoU (Cheng et al. 2021) in the JSON: band ratio, mean and per class. */
const BoundarySchema = z.looseObject({ ratio: z.number(), mBoundaryIoU: num, perClassBoundaryIoU: z.record(z.string(), num) });

/** Trimap-band metrics in the JSON. */
const TrimapSchema = z.looseObject({ ratio: z.number(), mIoU: num, pixelAccuracy: num, pixels: z.number(), perClassIoU: z.record(z.string(), num) });

/** Schema of an eval result file (extra fields tolerated, so newer writers stay readable). */
export const EvalResultSchema = z.looseObject({
  format: z.literal(EVAL_FORMAT),
  createdAt: z.string(),
  checkpoint: z.string().nullable(),
  model: z.string().nullable().optional(),
  labelSpace: z.string(),
  classNames: z.array(z.string()).min(1),
  data: z.looseObject({ spec: z.string().nullable().optional(), split: z.string().nullable().optional(), count: z.number().int().nonnegative() }),
  outputStride: z.number().int().nullable(),
  scales: z.array(z.number()),
  flip: z.boolean(),
  /** The BatchNorm the model normalised with: its own (`main`) or the auxiliary twins (`aux`); absent: main. */
  batchNorm: z.enum(BATCHNORM_CHOICES).optional(),
  mIoU: num,
  pixelAccuracy: num,
  meanClassAccuracy: num,
  frequencyWeightedIoU: num,
  classesInMean: z.number().int(),
  perClassIoU: z.record(z.string(), num),
  perClassAccuracy: z.record(z.string(), num),
  gtPixelShare: z.record(z.string(), num),
  confusionMatrix: z.array(z.array(z.number())),
  totalPixels: z.number(),
  ignoredPixels: z.number(),
  seconds: z.number().optional(),
  /** Training step, for validations written during training (eval/step-<N>.json). */
  step: z.number().int().optional(),
  perImage: z.array(PerImageSchema).optional(),
  boundary: BoundarySchema.optional(),
  trimap: TrimapSchema.optional(),
  /** Test-time adaptation on the evaluated (target) images: method, settings, images; null: source-only. Absent in older files. */
  adaptation: AdaptationRecordSchema.nullable().optional(),
});

/** The content of an eval result file. */
export type EvalResultFile = z.infer<typeof EvalResultSchema>;

/** Where the numbers came from, recorded beside them. */
export interface EvalProvenance {
  checkpoint: string | null;
  model?: string | null;
  labelSpace: string;
  classNames: readonly string[];
  data: { spec?: string | null; split?: string | null; count: number };
  outputStride: number | null;
  scales: readonly number[];
  flip: boolean;
  /** Which BatchNorm normalised (eval/shift-eval `--bn`); recorded when given. */
  batchNorm?: BatchNormChoice;
  seconds?: number;
  /** The test-time adaptation behind the numbers (adaptationRecord); null or absent: none. */
  adaptation?: AdaptationRecord | null;
}

/** Per-image numbers kept when asked for. */
export interface PerImageMetrics {
  id: string;
  mIoU: number;
  pixelAccuracy: number;
}

/** NaN → null for JSON. */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Optional band metrics of an evaluation. */
export interface BandMetrics {
  boundary?: BoundaryIoUResult;
  trimap?: TrimapResult;
}

/** Builds the JSON document of one evaluation. */
export function toEvalResultFile(
  metrics: SegMetrics,
  confusion: Float64Array,
  ignoredPixels: number,
  prov: EvalProvenance,
  perImage?: readonly PerImageMetrics[],
  bands: BandMetrics = {},
): EvalResultFile {
  const names = prov.classNames;
  const c = metrics.numClasses;
  if (names.length !== c) throw new Error(`eval result: ${c} classes but ${names.length} class names (label space ${prov.labelSpace})`);
  const byName = (xs: ArrayLike<number>) => Object.fromEntries(names.map((n, k) => [n, finiteOrNull(xs[k]!)]));
  const share = Array.from(metrics.gtPixels, (g) => (metrics.totalPixels > 0 ? g / metrics.totalPixels : NaN));
  const rows: number[][] = [];
  for (let t = 0; t < c; t++) rows.push(Array.from(confusion.subarray(t * c, (t + 1) * c)));
  return {
    format: EVAL_FORMAT,
    createdAt: new Date().toISOString(),
    checkpoint: prov.checkpoint,
    model: prov.model ?? null,
    labelSpace: prov.labelSpace,
    classNames: [...names],
    data: { spec: prov.data.spec ?? null, split: prov.data.split ?? null, count: prov.data.count },
    outputStride: prov.outputStride,
    scales: [...prov.scales],
    flip: prov.flip,
    ...(prov.batchNorm !== undefined ? { batchNorm: prov.batchNorm } : {}),
    mIoU: finiteOrNull(metrics.mIoU),
    pixelAccuracy: finiteOrNull(metrics.pixelAccuracy),
    meanClassAccuracy: finiteOrNull(metrics.meanClassAccuracy),
    frequencyWeightedIoU: finiteOrNull(metrics.frequencyWeightedIoU),
    classesInMean: metrics.classesInMean,
    perClassIoU: byName(metrics.perClassIoU),
    perClassAccuracy: byName(metrics.perClassAccuracy),
    gtPixelShare: byName(share),
    confusionMatrix: rows,
    totalPixels: metrics.totalPixels,
    ignoredPixels,
    ...(prov.seconds !== undefined ? { seconds: prov.seconds } : {}),
    adaptation: prov.adaptation ?? null,
    ...(perImage ? { perImage: perImage.map((p) => ({ id: p.id, mIoU: finiteOrNull(p.mIoU), pixelAccuracy: finiteOrNull(p.pixelAccuracy) })) } : {}),
    ...(bands.boundary
      ? { boundary: { ratio: bands.boundary.ratio, mBoundaryIoU: finiteOrNull(bands.boundary.mean), perClassBoundaryIoU: byName(bands.boundary.perClass) } }
      : {}),
    ...(bands.trimap
      ? {
          trimap: {
            ratio: bands.trimap.ratio,
            mIoU: finiteOrNull(bands.trimap.metrics.mIoU),
            pixelAccuracy: finiteOrNull(bands.trimap.metrics.pixelAccuracy),
            pixels: bands.trimap.metrics.totalPixels,
            perClassIoU: byName(bands.trimap.metrics.perClassIoU),
          },
        }
      : {}),
  };
}

/** Writes an eval result as pretty JSON, atomically. */
export function writeEvalResult(file: string, result: EvalResultFile): Promise<void> {
  return writeFileAtomicAsync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** Reads and validates an eval result file; errors name the file and the field. */
export async function readEvalResult(file: string): Promise<EvalResultFile> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message})`);
  }
  const parsed = EvalResultSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
