// An experiment file: one base run config, a list of runs that each override parts of it, the data to
// synthesise first, and how every run is evaluated. All runs share data, seed and budget unless a run
// overrides them on purpose.
import * as z from 'zod';
import { type DataConfig, DataConfigSchema } from '../data/schema.js';
import { AdaptOptionsSchema, adaptationLabel } from '../eval/adapt/options.js';
import { SynthOptionsSchema } from '../synth/options.js';

const outputStride = z.literal([8, 16]);
const fileName = z.string().regex(/^[\w.-]+$/, { message: 'expected letters, digits, ".", "_" or "-"' });

/** A validated evaluation target: a dataset split to score every run on. */
export interface ExperimentTarget {
  /** Column name in the comparison (and the file name of its eval result). */
  name: string;
  /** The dataset, as a run config's data.val would be written. */
  data: DataConfig;
  /** Whether `labelSpace` was left out: the run's training label space is then used. */
  inheritLabelSpace: boolean;
  /** Extra class subsets to report the mIoU of (name → class names), beside the label space's own. */
  subsets: Record<string, string[]>;
}

/**
 * One target as written: a data config (any layout DataConfigSchema accepts, with its filters) plus `name` and
 * optional `subsets`, in one flat mapping. Errors carry the full path (eval.targets[1].root).
 */
const TargetSchema = z
  .looseObject({ name: fileName, subsets: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}) })
  .transform((v, ctx): ExperimentTarget => {
    const { name, subsets, ...rest } = v;
    const data = DataConfigSchema.safeParse(rest);
    if (!data.success) {
      // the data config's own issues, their paths continued from this target (eval.targets[1].root)
      ctx.issues.push(...(data.error.issues as z.core.$ZodRawIssue[]));
      return z.NEVER;
    }
    return { name, data: data.data, inheritLabelSpace: rest.labelSpace === undefined, subsets };
  });

/** One run of an experiment: a name and the part of the base config it changes (deep-merged; arrays replace). */
export const ExperimentRunSchema = z.strictObject({
  name: fileName,
  /** What this run is, in a few words (shown in the comparison). */
  description: z.string().optional(),
  override: z.record(z.string(), z.unknown()).default({}),
});

/** How each finished run is evaluated. */
export const ExperimentEvalSchema = z
  .strictObject({
    /** Output strides to evaluate every run at (the notebook's question: 16 vs 8). */
    outputStrides: z.array(outputStride).min(1).default([8]),
    /**
     * Evaluate on the texture-shift suite (styles, texture-free, cue-conflict, shape-bias score). Default: on
     * when no `targets` are listed, off when some are.
     */
    shiftSuite: z.boolean().optional(),
    /**
     * Datasets to score every run on (the comparison gets one column each, and their mean). None listed and the
     * suite off: the run config's own `data.val`, as a target called "val".
     */
    targets: z
      .array(TargetSchema)
      .default([])
      .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, { message: 'target names must be unique' }),
    /** Boundary-IoU band width as a fraction of the image diagonal (0: off). */
    boundaryBand: z.number().min(0).max(0.5).default(0.02),
    /**
     * Trimap band (Kohli et al. 2009, as DeepLab reports it) for the dataset targets: per-class IoU over the pixels
     * within this fraction of the diagonal of a ground-truth class boundary (0: off, the default).
     */
    trimapBand: z.number().min(0).max(0.5).default(0),
    /** A suite written by `shapeseg synth --suite`; default: the demo's held-out scenes, built once under .cache/shift-suite. */
    suite: z.string().min(1).optional(),
    /** Example rows per style figure. */
    figures: z.number().int().min(0).default(2),
    /**
     * Test-time adaptation methods to score every run with as well (`bn`, `tent`, or a mapping with settings such as
     * `{method: tent, episodic: true}`): each gives its own rows (`<run> + bn-adapt`), marked as using target images,
     * never the baseline of "drop closed".
     */
    adapt: z
      .array(z.preprocess((v) => (typeof v === 'string' ? { method: v } : v), AdaptOptionsSchema))
      .default([])
      .refine((as) => new Set(as.map(adaptationLabel)).size === as.length, {
        message: 'adaptations must differ in name (bn-adapt, tent, tent-episodic): list each once',
      }),
  })
  .transform((e) => ({ ...e, shiftSuite: e.shiftSuite ?? e.targets.length === 0 }));

/** The whole experiment file. */
export const ExperimentSchema = z.strictObject({
  name: fileName.optional(),
  description: z.string().optional(),
  /** The run config every run starts from (path relative to the experiment file). */
  base: z.string().min(1),
  /** Datasets to synthesise before training when their folder does not exist yet (`shapeseg synth` options). */
  synth: z.array(SynthOptionsSchema.omit({ concurrency: true })).default([]),
  eval: ExperimentEvalSchema.prefault({}),
  runs: z
    .array(ExperimentRunSchema)
    .min(1)
    .refine((runs) => new Set(runs.map((r) => r.name)).size === runs.length, { message: 'run names must be unique' }),
});

/** A validated experiment file. */
export type Experiment = z.infer<typeof ExperimentSchema>;
/** A validated run entry. */
export type ExperimentRun = z.infer<typeof ExperimentRunSchema>;
