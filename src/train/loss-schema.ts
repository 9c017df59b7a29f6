// `train.loss`: which terms the training loss is made of (docs/losses.md).
// The defaults are the plain cross-entropy of src/train/loss.ts, bit for bit.
import * as z from 'zod';

/** The class-weight formulas computed from the training labels (src/train/class-weights.ts). */
export const CLASS_WEIGHT_FORMULAS = ['median-frequency', 'inverse-log'] as const;

/** `train.loss.ohem`: mmsegmentation's OHEMPixelSampler (thresh null: keep the minKept·batch largest losses). */
export const OhemSchema = z.strictObject({
  /** Pixels whose ground-truth probability is below max(thresh, the batch's minKept·batch-th smallest) are kept. */
  thresh: z.number().gt(0).max(1).nullable().default(0.7),
  /** Pixels kept at least, per image of the (micro-)batch; mmseg asserts min_kept > 1. */
  minKept: z.number().int().min(2).default(100000),
});

/** `train.loss`: cross-entropy (class-weighted, OHEM-sampled) and Lovász-softmax terms. */
export const LossConfigSchema = z
  .strictObject({
    /** Weight of the cross-entropy term of the main head (0 with lovasz > 0: pure Lovász). */
    crossEntropy: z.number().nonnegative().default(1),
    /** Weight of the Lovász-softmax term of the main head (Berman et al. 2018); 0: none. */
    lovasz: z.number().nonnegative().default(0),
    /** Per-class cross-entropy weights: none, a formula over the training set's pixel counts, or one number per class. */
    classWeights: z.union([z.literal('none'), z.enum(CLASS_WEIGHT_FORMULAS), z.array(z.number().nonnegative()).min(1)]).default('none'),
    /** Upper bound on the weights a formula computes. */
    maxWeight: z.number().positive().optional(),
    ohem: OhemSchema.optional(),
  })
  .superRefine((l, ctx) => {
    if (l.crossEntropy === 0 && l.lovasz === 0) {
      ctx.addIssue({ code: 'custom', path: ['crossEntropy'], message: 'and train.loss.lovasz are both 0: the loss would be nothing' });
    }
    if (l.maxWeight !== undefined && (l.classWeights === 'none' || Array.isArray(l.classWeights))) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxWeight'],
        message: `clamps computed weights only: set train.loss.classWeights to ${CLASS_WEIGHT_FORMULAS.join(' or ')}`,
      });
    }
  });

/** Validated `train.loss`. */
export type LossConfig = z.infer<typeof LossConfigSchema>;
/** Validated `train.loss.ohem`. */
export type OhemConfig = z.infer<typeof OhemSchema>;
