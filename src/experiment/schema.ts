// An experiment file: one base run config, a list of runs that each override parts of it, the data to
// synthesise first, and how every run is evaluated. All runs share data, seed and budget unless a run
// overrides them on purpose.
import * as z from 'zod';
import { SynthOptionsSchema } from '../synth/options.js';

const outputStride = z.literal([8, 16]);

/** One run of an experiment: a name and the part of the base config it changes (deep-merged; arrays replace). */
export const ExperimentRunSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]+$/, { message: 'expected letters, digits, ".", "_" or "-"' }),
  /** What this run is, in a few words (shown in the comparison). */
  description: z.string().optional(),
  override: z.record(z.string(), z.unknown()).default({}),
});

/** How each finished run is evaluated. */
export const ExperimentEvalSchema = z.strictObject({
  /** Output strides to evaluate every run at (the notebook's question: 16 vs 8). */
  outputStrides: z.array(outputStride).min(1).default([8]),
  /** Evaluate on the texture-shift suite (styles, texture-free, cue-conflict, shape-bias score). */
  shiftSuite: z.boolean().default(true),
  /** Boundary-IoU band width as a fraction of the image diagonal (0: off). */
  boundaryBand: z.number().min(0).max(0.5).default(0.02),
  /** A suite written by `shapeseg synth --suite`; default: the demo's held-out scenes, built once under .cache/shift-suite. */
  suite: z.string().min(1).optional(),
  /** Example rows per style figure. */
  figures: z.number().int().min(0).default(2),
});

/** The whole experiment file. */
export const ExperimentSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[\w.-]+$/, { message: 'expected letters, digits, ".", "_" or "-"' })
    .optional(),
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
