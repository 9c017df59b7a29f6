// What a run's training costs, from its resolved config, and which runs of a comparison had the baseline's
// compute: a method can only be said to beat the in-style/shift trade-off of the others at equal compute.
import * as z from 'zod';

/** The training cost of one run. */
export interface TrainingCompute {
  run: string;
  /** Optimizer steps over all phases. */
  steps: number;
  /** Images per micro-batch (train.batchSize) and micro-batches per step (train.accumulate). */
  batchSize: number;
  accumulate: number;
  /** Training images drawn: steps × batchSize × accumulate. */
  images: number;
  /** Whether augment.consistency is on (a second forward pass of every image in the phases that augment). */
  consistency: boolean;
  /** Images through the network: `images`, doubled in the phases where the consistency loss runs. */
  forwardImages: number;
  /** Same `images` and `forwardImages` as the baseline (the first run); null until compared. */
  equalCompute: boolean | null;
}

/** The part of a run config that sets its cost; loose, so a run folder's config.json (input) is checked too. */
const ComputeConfigSchema = z.looseObject({
  train: z.looseObject({
    batchSize: z.number().int().positive(),
    accumulate: z.number().int().positive().default(1),
    phases: z.array(z.looseObject({ steps: z.number().int().nonnegative(), augment: z.boolean().default(true) })).min(1),
  }),
  augment: z.looseObject({ consistency: z.unknown().optional() }).nullish(),
});

/** The training cost of `run` from its resolved config; errors name `where` (the file) and the field. */
export function trainingCompute(run: string, config: unknown, where: string): TrainingCompute {
  const r = ComputeConfigSchema.safeParse(config);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message} (needed for run ${run}'s training compute)`);
  }
  const { train, augment } = r.data;
  const consistency = augment?.consistency !== undefined && augment.consistency !== null;
  const perStep = train.batchSize * train.accumulate;
  const steps = train.phases.reduce((s, p) => s + p.steps, 0);
  const forwardImages = train.phases.reduce((s, p) => s + p.steps * perStep * (consistency && p.augment ? 2 : 1), 0);
  return { run, steps, batchSize: train.batchSize, accumulate: train.accumulate, images: steps * perStep, consistency, forwardImages, equalCompute: null };
}

/** The runs with `equalCompute` set against the first (the comparison's baseline). */
export function markEqualCompute(runs: readonly TrainingCompute[]): TrainingCompute[] {
  const base = runs[0];
  return runs.map((c) => ({ ...c, equalCompute: base !== undefined && c.images === base.images && c.forwardImages === base.forwardImages }));
}

/** Suffix of the comparison row of a run evaluated with its auxiliary BatchNorm (augment.auxBatchNorm). */
const AUX_ROW_SUFFIX = ' [aux BN]';

/** The row of `run` evaluated with its auxiliary BatchNorm: the same training, so the same compute. */
export const auxBatchNormRow = (run: string): string => `${run}${AUX_ROW_SUFFIX}`;

/** The run a comparison row was trained as (`run [aux BN]` → `run`). */
export const trainedRun = (row: string): string => (row.endsWith(AUX_ROW_SUFFIX) ? row.slice(0, -AUX_ROW_SUFFIX.length) : row);
