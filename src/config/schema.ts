// The run config, composed from the layers' schemas. Defaults are the lab notebook's
// (DeepLabV3, batch 10, 513 crops, scale 1.4–2.0, flip, SGD 0.01 poly 0.9, momentum 0.9, wd 1e-4).
import * as z from 'zod';
import { type AugmentConfig, AugmentConfigSchema } from '../augment/schema.js';
import { DataConfigSchema, DataWorkersSchema } from '../data/schema.js';
import { DEFAULT_TIMEOUT_MS } from '../distributed/process-group.js';
import { isDeepLabV3PlusName, MODEL_NAMES } from '../models/names.js';
import { DEVICE_PATTERN, type Device } from '../tensor/index.js';
import { LossConfigSchema } from '../train/loss-schema.js';

export { AdaINSchema } from '../augment/adain.js';
export { ConsistencySchema } from '../augment/consistency.js';
export { DebiasSchema } from '../augment/debias.js';
export { DSUSchema } from '../augment/dsu.js';
export { FourierSchema } from '../augment/fourier.js';
export { MixStyleSchema } from '../augment/mixstyle.js';
export { PhotometricSchema } from '../augment/photometric.js';
export { RandConvSchema } from '../augment/randconv.js';
export { RepaintSchema } from '../augment/repaint.js';
export { LossConfigSchema, OhemSchema } from '../train/loss-schema.js';
export { type AugmentConfig, AugmentConfigSchema };

const outputStride = z.literal([8, 16]);
const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/** `model`: which DeepLabV3/DeepLabV3+ variant, class count, aux head, ImageNet backbone, DeepLabV3+ decoder. */
export const ModelConfigSchema = z
  .strictObject({
    name: z.enum(MODEL_NAMES).default('deeplabv3_resnet101'),
    /** Omitted: taken from the training data's label space. */
    numClasses: positiveInt.optional(),
    auxLoss: z.boolean().default(false),
    /** Path to an ImageNet ResNet checkpoint (.pth, torchvision keys) for the backbone. */
    pretrainedBackbone: z.string().min(1).optional(),
    /** DeepLabV3+ only: 3x3 convs in the decoder, 2 (the paper; the default) or 1 (VainF's port). */
    decoderConvs: z.literal([1, 2]).optional(),
    /** DeepLabV3+ only: depthwise-separable 3x3 convs in the ASPP and decoder (default false). */
    separableConv: z.boolean().optional(),
  })
  .superRefine((m, ctx) => {
    if (isDeepLabV3PlusName(m.name)) return;
    for (const field of ['decoderConvs', 'separableConv'] as const) {
      if (m[field] === undefined) continue;
      ctx.addIssue({ code: 'custom', path: [field], message: `is a DeepLabV3+ option (model.name deeplabv3plus_*); ${m.name} has no decoder` });
    }
  });

/** `transforms.colorJitter`: torchvision ColorJitter factors. */
export const ColorJitterSchema = z.strictObject({
  brightness: z.number().nonnegative().default(0),
  contrast: z.number().nonnegative().default(0),
  saturation: z.number().nonnegative().default(0),
  hue: z.number().min(0).max(0.5).default(0),
});

/** `transforms`: training augmentation (random scale, crop, flip, optional colour jitter). */
export const TransformsConfigSchema = z.strictObject({
  /** Random rescale factor range [min, max]. */
  scale: z
    .tuple([z.number().positive(), z.number().positive()])
    .default([1.4, 2.0])
    .refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' }),
  /** Square crop side, or [height, width]. */
  crop: z.union([positiveInt, z.tuple([positiveInt, positiveInt])]).default(513),
  flip: z.boolean().default(true),
  colorJitter: ColorJitterSchema.optional(),
});

/** One entry of `train.phases`: steps at an output stride, BN frozen or not, optional lr. */
export const PhaseSchema = z.strictObject({
  steps: positiveInt,
  outputStride: outputStride.default(16),
  freezeBN: z.boolean().default(false),
  /** Base learning rate for this phase; defaults to train.schedule.lr. */
  lr: z.number().positive().optional(),
  /** The `augment` section's methods in this phase; false trains on the images as they are (a clean fine-tuning tail). */
  augment: z.boolean().default(true),
});

/** `train.schedule`: poly learning rate with optional warmup. */
export const ScheduleSchema = z.strictObject({
  lr: z.number().positive().default(0.01),
  power: z.number().nonnegative().default(0.9),
  warmupSteps: nonNegInt.default(0),
  /** Warmup starts at lr·warmupFactor and rises linearly to lr (torchvision reference: 0.01). */
  warmupFactor: z.number().positive().max(1).default(0.01),
  /** 'continue': one poly decay over all phases; 'restart': each phase decays from its own lr. */
  acrossPhases: z.enum(['continue', 'restart']).default('continue'),
});

/** `train.optimizer`: SGD hyper-parameters (weight decay on conv weights only). */
export const OptimizerSchema = z.strictObject({
  momentum: z.number().min(0).max(1).default(0.9),
  dampening: z.number().min(0).max(1).default(0),
  weightDecay: z.number().nonnegative().default(1e-4),
  nesterov: z.boolean().default(false),
});

// the regex admits exactly the tensor layer's Device strings; the pipe gives the output that type
const deviceSchema = z.string().regex(DEVICE_PATTERN, { message: 'expected "cpu", "cuda" or "cuda:N"' }).pipe(z.custom<Device>()).default('cpu');

/** `train`: batch, device, phases, schedule, optimizer, validation/checkpoint cadence. */
export const TrainConfigSchema = z
  .strictObject({
    batchSize: positiveInt.default(10),
    /** Gradient accumulation: micro-batches per optimizer step. */
    accumulate: positiveInt.default(1),
    seed: nonNegInt.default(0),
    device: deviceSchema,
    threads: positiveInt.optional(),
    /**
     * Autocast: false (fp32), bf16 (CPU or CUDA), fp16 (CUDA, with loss scaling), or auto: bf16 on a CPU with BF16
     * instructions (AVX512_BF16 / AMX-BF16, see `shapeseg info`), fp32 elsewhere.
     */
    amp: z.union([z.literal(false), z.enum(['bf16', 'fp16', 'auto'])]).default(false),
    channelsLast: z.boolean().default(false),
    cudnnBenchmark: z.boolean().default(false),
    /** BatchNorm statistics over the global batch of all data-parallel processes (torch.nn.SyncBatchNorm). */
    syncBN: z.boolean().default(false),
    phases: z
      .array(PhaseSchema)
      .min(1)
      .default([
        { steps: 30000, outputStride: 16, freezeBN: false, augment: true },
        { steps: 30000, outputStride: 8, freezeBN: true, augment: true },
      ]),
    schedule: ScheduleSchema.prefault({}),
    optimizer: OptimizerSchema.prefault({}),
    /** The loss terms: cross-entropy (class weights, OHEM) and Lovász-softmax. */
    loss: LossConfigSchema.prefault({}),
    /** Validate every N steps (0 = only at the end). */
    valEvery: nonNegInt.default(2000),
    /** Checkpoint every N steps (0 = only at the end and phase boundaries). */
    checkpointEvery: nonNegInt.default(1000),
    keepLast: positiveInt.default(3),
    /** Log a metrics line every N steps. */
    logEvery: positiveInt.default(20),
  })
  .superRefine((t, ctx) => {
    const total = t.phases.reduce((s, p) => s + p.steps, 0);
    if (t.schedule.warmupSteps >= total) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedule', 'warmupSteps'],
        message: `expected fewer warmup steps than the ${total} total steps, got ${t.schedule.warmupSteps}`,
      });
    }
  });

/** `eval`: how validation runs (output stride, test-time scales, flip). */
export const EvalConfigSchema = z.strictObject({
  outputStride: outputStride.default(8),
  scales: z.array(z.number().positive()).min(1).default([1]),
  flip: z.boolean().default(false),
});

/** `distributed`: how data-parallel workers (see docs/distributed.md) talk and normalise the loss. */
export const DistributedConfigSchema = z.strictObject({
  /** c10d backend; default gloo for CPU training, nccl for CUDA. */
  backend: z.enum(['gloo', 'nccl']).optional(),
  /** Bound on rendezvous and on every collective: a dead or hung rank stops the others within it (torch's 30 min). */
  timeoutSec: z
    .number()
    .positive()
    .default(DEFAULT_TIMEOUT_MS / 1000),
  /**
   * 'global': each rank's loss sum is divided by the valid (non-ignored) pixels of the whole global batch, so the
   * result does not depend on the process count; 'perRank': torch DDP's, each rank's mean loss, gradients averaged.
   */
  lossNormalization: z.enum(['global', 'perRank']).default('global'),
  /** Gradients are all-reduced in buckets of about this size (torch DDP's bucket_cap_mb). */
  bucketCapMb: z.number().positive().default(25),
  /** All-reduce each bucket while backward still runs (torch DDP's way); false: all buckets after backward. */
  overlapBackward: z.boolean().default(true),
});

/** The whole run config file. */
export const RunConfigSchema = z
  .strictObject({
    /** Run name (runs/<name>/); defaults to the config file's base name. */
    name: z
      .string()
      .regex(/^[\w.-]+$/, { message: 'expected letters, digits, ".", "_" or "-"' })
      .optional(),
    model: ModelConfigSchema.prefault({}),
    data: z.strictObject({ train: DataConfigSchema, val: DataConfigSchema.optional(), workers: DataWorkersSchema }).superRefine((d, ctx) => {
      if (d.val && d.val.labelSpace !== d.train.labelSpace) {
        ctx.addIssue({
          code: 'custom',
          path: ['val', 'labelSpace'],
          message: `expected ${JSON.stringify(d.train.labelSpace)} (the label space of data.train), got ${JSON.stringify(d.val.labelSpace)}`,
        });
      }
    }),
    transforms: TransformsConfigSchema.prefault({}),
    train: TrainConfigSchema.prefault({}),
    eval: EvalConfigSchema.prefault({}),
    augment: AugmentConfigSchema.prefault({}),
    distributed: DistributedConfigSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    const a = c.augment;
    const imageMethods = a.randConv ?? a.fourier ?? a.photometric ?? a.adain ?? a.debias ?? a.repaint;
    for (const field of ['splitBatchNorm', 'auxBatchNorm'] as const) {
      if (!a[field]) continue;
      const issue = (message: string) => ctx.addIssue({ code: 'custom', path: ['augment', field], message });
      if (a.fraction >= 1 && !a.consistency) issue('needs clean images in the batch: set augment.fraction below 1 or augment.consistency');
      if (c.train.syncBN) issue('is not supported with train.syncBN (SyncBatchNorm normalises the whole global batch)');
      // without a method the "augmented" images are the clean ones: the twins would learn nothing of their own
      if (field === 'auxBatchNorm' && imageMethods === undefined)
        issue('needs an image-level method (augment.randConv, fourier, photometric, adain, debias or repaint) for the auxiliary BatchNorm to normalise');
    }
    if (a.debias && a.debias.gamma < 1) {
      // both rank pixels by the hard label alone, which the soft target contradicts
      for (const field of ['ohem', 'lovasz'] as const) {
        if (c.train.loss[field]) {
          ctx.addIssue({
            code: 'custom',
            path: ['train', 'loss', field],
            message: `is not supported with augment.debias soft targets (gamma ${a.debias.gamma} < 1): set augment.debias.gamma to 1 or drop train.loss.${field}`,
          });
        }
      }
    }
    if (a.debias && a.debias.gamma < 1 && a.consistency) {
      // the consistency term pulls the cue-conflict view's prediction to the clean view's, the soft target away from it
      ctx.addIssue({
        code: 'custom',
        path: ['augment', 'debias', 'gamma'],
        message: `below 1 contradicts augment.consistency (which pulls the cue-conflict view towards the clean view's prediction), got ${a.debias.gamma}: set gamma to 1 or drop augment.consistency`,
      });
    }
  });

/** Validated `model`. */
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
/** Validated `transforms`. */
export type TransformsConfig = z.infer<typeof TransformsConfigSchema>;
/** Validated phase. */
export type PhaseConfig = z.infer<typeof PhaseSchema>;
/** Validated `train.schedule`. */
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;
/** Validated `train.optimizer`. */
export type OptimizerConfig = z.infer<typeof OptimizerSchema>;
/** Validated `train`. */
export type TrainConfig = z.infer<typeof TrainConfigSchema>;
/** Validated `distributed`. */
export type DistributedConfig = z.infer<typeof DistributedConfigSchema>;
/** Validated `eval`. */
export type EvalConfig = z.infer<typeof EvalConfigSchema>;
/** A validated run config: all defaults filled in, model.numClasses resolved from the label space. */
export type RunConfig = z.infer<typeof RunConfigSchema> & { model: { numClasses: number } };
/** A run config as written in a file (defaults optional). */
export type RunConfigInput = z.input<typeof RunConfigSchema>;
