// The settings of test-time adaptation, one schema for the CLI flags, experiment files and result JSON.
// BN adaptation: Schneider et al., NeurIPS 2020. TENT: Wang et al., ICLR 2021.
import * as z from 'zod';

/** The adaptation methods: BatchNorm statistics mixed with the target batch's, or TENT. */
export const ADAPT_METHODS = ['bn', 'tent'] as const;

/** One of ADAPT_METHODS. */
export type AdaptMethod = (typeof ADAPT_METHODS)[number];

/**
 * Prior strength N of BN adaptation: the source statistics weigh as N images against the batch's n. Evaluation
 * adapts on one image at a time, which then counts 1/17: the source statistics dominate, as a single image's
 * noisy estimate calls for. Untuned here.
 */
export const DEFAULT_PRIOR = 16;

/**
 * TENT's learning rate: its ImageNet setting (SGD, momentum 0.9, lr 0.00025 at batch size 64). One segmentation image
 * averages the entropy over ~10⁵ pixels, so its gradient is no noisier than a batch of 64 classifications; untuned.
 */
export const DEFAULT_TENT_LR = 0.00025;

const prior = z.number().min(0, { message: 'expected a number >= 0 (0: the target batch statistics alone)' }).refine(Number.isFinite, {
  message: 'expected a finite number (a huge prior is no adaptation)',
});

/** BN adaptation: every BatchNorm normalises with (N·source + n·batch)/(N + n) statistics; the weights stay. */
export const BnAdaptSchema = z.strictObject({ method: z.literal('bn'), prior: prior.default(DEFAULT_PRIOR) });

/** TENT: BatchNorm on batch statistics, its affine parameters trained by SGD to minimise the prediction entropy. */
export const TentSchema = z.strictObject({
  method: z.literal('tent'),
  lr: z.number().positive({ message: 'expected a learning rate > 0' }).default(DEFAULT_TENT_LR),
  momentum: z.number().min(0).max(0.999, { message: 'expected a momentum in [0, 1)' }).default(0.9),
  steps: z.number().int().min(1, { message: 'expected an integer >= 1' }).default(1),
  /** Reset the weights (and the optimizer) before every batch; otherwise adapt on through the data in order. */
  episodic: z.boolean().default(false),
});

/** Settings of one adaptation method, defaults filled in. */
export const AdaptOptionsSchema = z.discriminatedUnion('method', [BnAdaptSchema, TentSchema]);

/** Validated settings of one adaptation method. */
export type AdaptOptions = z.infer<typeof AdaptOptionsSchema>;
/** Validated BN-adaptation settings. */
export type BnAdaptOptions = z.infer<typeof BnAdaptSchema>;
/** Validated TENT settings. */
export type TentOptions = z.infer<typeof TentSchema>;

/** The name of an adaptation in tables and folders: `bn-adapt`, `tent` or `tent-episodic`. */
export function adaptationLabel(a: AdaptOptions): string {
  if (a.method === 'bn') return 'bn-adapt';
  return a.episodic ? 'tent-episodic' : 'tent';
}
