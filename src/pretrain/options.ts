// The options of a formula-driven pretraining, validated in one place: the library and `shapeseg pretrain` both
// parse through here, and a bad value is refused naming its field.
import * as z from 'zod';
import { formatIssues } from '../config/errors.js';
import { RESNET_NAMES } from '../models/names.js';
import { DEVICE_PATTERN } from '../tensor/device.js';
import { DEFAULT_IFS_SEARCH } from './ifs.js';

const positiveInt = z.number().int().positive();
const fill = z.number().min(0).max(1);

/** The category generator's search (src/pretrain/ifs.ts). */
export const GeneratorSchema = z
  .strictObject({
    minMaps: z.number().int().min(1).max(16).default(DEFAULT_IFS_SEARCH.minMaps),
    maxMaps: z.number().int().min(1).max(16).default(DEFAULT_IFS_SEARCH.maxMaps),
    minFill: fill.default(DEFAULT_IFS_SEARCH.minFill),
    maxFill: fill.default(DEFAULT_IFS_SEARCH.maxFill),
  })
  .refine((g) => g.minMaps <= g.maxMaps, { message: 'expected minMaps <= maxMaps', path: ['maxMaps'] })
  .refine((g) => g.minFill < g.maxFill, { message: 'expected minFill < maxFill', path: ['maxFill'] });

/** Every option of pretrain(); defaults are `shapeseg pretrain`'s. */
export const PretrainOptionsSchema = z
  .strictObject({
    /** Output folder: backbone.pth, pretrain.json, metrics.jsonl. */
    out: z.string().min(1),
    arch: z.enum(RESNET_NAMES).default('resnet18'),
    categories: z.number().int().min(2).max(100_000).default(100),
    instances: z.number().int().min(2).max(100_000).default(100),
    /** Share of each category's instances held out for the accuracy measurement. */
    heldOut: z.number().gt(0).max(0.5).default(0.1),
    size: z.number().int().min(16).max(512).default(64),
    steps: positiveInt.default(1300),
    batch: positiveInt.default(64),
    lr: z.number().positive().default(0.025),
    /** Linear warmup steps; default 5% of the steps. */
    warmupSteps: z.number().int().nonnegative().optional(),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().nonnegative().default(1e-4),
    seed: z.number().int().nonnegative().default(0),
    /** auto: bf16 autocast on a CPU with BF16 instructions, fp32 elsewhere (train.amp's rule). */
    amp: z.enum(['auto', 'fp32', 'bf16']).default('auto'),
    device: z.string().regex(DEVICE_PATTERN, 'expected cpu, cuda or cuda:N').default('cpu'),
    threads: positiveInt.optional(),
    /** Held-out evaluation every N steps (and always at the end); default a quarter of the steps. */
    evalEvery: positiveInt.optional(),
    /** Held-out images scored (instance by instance across categories). */
    evalImages: positiveInt.default(1000),
    logEvery: positiveInt.default(20),
    progress: z.enum(['bar', 'lines', 'off']).optional(),
    generator: GeneratorSchema.default({ ...DEFAULT_IFS_SEARCH }),
  })
  .refine((o) => o.warmupSteps === undefined || o.warmupSteps < o.steps, { message: 'expected fewer warmup steps than steps', path: ['warmupSteps'] });

/** What pretrain() accepts (defaults filled in by parsePretrainOptions). */
export type PretrainInput = z.input<typeof PretrainOptionsSchema>;
/** Validated pretraining options. */
export type PretrainOptions = z.output<typeof PretrainOptionsSchema>;

/** A refused option: `field` is its name in PretrainOptions (`generator.minFill`), `problem` what was wrong. */
export class PretrainOptionsError extends Error {
  override readonly name = 'PretrainOptionsError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** Validates pretraining options; throws PretrainOptionsError naming the first bad field. */
export function parsePretrainOptions(raw: PretrainInput): PretrainOptions {
  const res = PretrainOptionsSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    const line = formatIssues([issue], raw)[0]!;
    const field = line.slice(0, line.indexOf(': '));
    throw new PretrainOptionsError(field, line.slice(field.length + 2));
  }
  return res.data;
}

/** Instances per category held out: `heldOut` of them, at least one, leaving at least one to train on. */
export function heldOutInstances(o: Pick<PretrainOptions, 'instances' | 'heldOut'>): number {
  return Math.min(o.instances - 1, Math.max(1, Math.round(o.heldOut * o.instances)));
}
