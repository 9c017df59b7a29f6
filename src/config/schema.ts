// The run config, composed from the layers' schemas. Defaults are the lab notebook's
// (DeepLabV3, batch 10, 513 crops, scale 1.4–2.0, flip, SGD 0.01 poly 0.9, momentum 0.9, wd 1e-4).
import * as z from 'zod';
import { DataConfigSchema, DataWorkersSchema } from '../data/schema.js';
import { DEEPLAB_NAMES } from '../models/names.js';

const outputStride = z.literal([8, 16]);
const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/** `model`: which DeepLabV3 variant, class count, aux head, ImageNet backbone. */
export const ModelConfigSchema = z.strictObject({
  name: z.enum(DEEPLAB_NAMES).default('deeplabv3_resnet101'),
  /** Omitted: taken from the training data's label space. */
  numClasses: positiveInt.optional(),
  auxLoss: z.boolean().default(false),
  /** Path to an ImageNet ResNet checkpoint (.pth, torchvision keys) for the backbone. */
  pretrainedBackbone: z.string().min(1).optional(),
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

const deviceSchema = z
  .string()
  .regex(/^(cpu|cuda|cuda:\d+)$/, { message: 'expected "cpu", "cuda" or "cuda:N"' })
  .default('cpu');

/** `train`: batch, device, phases, schedule, optimizer, validation/checkpoint cadence. */
export const TrainConfigSchema = z
  .strictObject({
    batchSize: positiveInt.default(10),
    /** Gradient accumulation: micro-batches per optimizer step. */
    accumulate: positiveInt.default(1),
    seed: nonNegInt.default(0),
    device: deviceSchema,
    threads: positiveInt.optional(),
    amp: z.union([z.literal(false), z.enum(['bf16', 'fp16'])]).default(false),
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

const unitInterval = z.number().min(0).max(1);
const probability = unitInterval.default(0.5);
const range01 = z.tuple([unitInterval, unitInterval]).refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' });

/** `augment.randConv`: random-weight convolution of the input, re-drawn per batch (Xu et al., ICLR 2021). */
export const RandConvSchema = z.strictObject({
  /** Odd kernel sizes to draw from, one per batch. */
  kernelSizes: z
    .array(
      z
        .number()
        .int()
        .positive()
        .refine((k) => k % 2 === 1, { message: 'expected an odd kernel size' }),
    )
    .min(1)
    .default([1, 3, 5, 7]),
  /** Range of the weight α of the original image in α·x + (1 − α)·conv(x), drawn per batch. */
  mix: range01.default([0, 1]),
  /** Probability that a batch is augmented at all. */
  p: probability,
  /** One random filter and α per image instead of one for the whole batch. */
  perImage: z.boolean().default(false),
  /** One random filter per class region of each image, placed by the label map (α per image); implies perImage. */
  perClass: z.boolean().default(false),
});

/** `augment.fourier`: low-frequency amplitude swap/mix (FDA, Yang & Soatto, CVPR 2020). */
export const FourierSchema = z.strictObject({
  /** Size of the low-frequency square as a fraction of min(H, W) (FDA's β / L). */
  beta: z.number().positive().max(0.5).default(0.01),
  /** Range of the weight of the style amplitude (1 = FDA's swap), drawn per image. */
  mix: range01.default([1, 1]),
  /** Style amplitudes from another image of the batch, or from a folder of images. */
  styleDir: z.string().min(1).optional(),
  p: probability,
});

/** `augment.photometric`: strong photometric randomisation on the device (colour jitter lives in `transforms.colorJitter`). */
export const PhotometricSchema = z.strictObject({
  grayscale: unitInterval.default(0),
  /** Probability of a Gaussian blur and its sigma range in pixels. */
  blur: unitInterval.default(0),
  blurSigma: z
    .tuple([z.number().positive(), z.number().positive()])
    .default([0.1, 2])
    .refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' }),
  /** Probability of additive Gaussian noise and its std range (image scale 0..1). */
  noise: unitInterval.default(0),
  noiseStd: range01.default([0, 0.05]),
  /** Probability of inverting the colours (torchvision RandomInvert). */
  invert: unitInterval.default(0),
  /** Probability of a random permutation of the colour channels (torchvision v2 RandomChannelPermutation). */
  channelShuffle: unitInterval.default(0),
});

/** `augment.adain`: AdaIN stylisation with user-supplied VGG weights (Huang & Belongie 2017; naoto0804/pytorch-AdaIN files). */
export const AdaINSchema = z.strictObject({
  /** vgg_normalised.pth (VGG-19 encoder; layers up to relu4_1 are used). */
  vgg: z.string().min(1),
  /** decoder.pth */
  decoder: z.string().min(1),
  /** Style images; omitted: another image of the batch. */
  styleDir: z.string().min(1).optional(),
  /** Stylisation strength range (1 = full style), drawn per batch. */
  alpha: range01.default([1, 1]),
  p: probability,
});

const featureLayers = z
  .array(z.enum(['layer1', 'layer2', 'layer3']))
  .min(1)
  .default(['layer1', 'layer2']);

/** `augment.mixStyle`: mixes per-channel feature statistics between samples (Zhou et al., ICLR 2021). */
export const MixStyleSchema = z.strictObject({
  layers: featureLayers,
  alpha: z.number().positive().default(0.1),
  p: probability,
  eps: z.number().positive().default(1e-6),
});

/** `augment.dsu`: resamples feature statistics with uncertainty estimated over the batch (Li et al., ICLR 2022). */
export const DSUSchema = z.strictObject({
  layers: featureLayers,
  p: probability,
  eps: z.number().positive().default(1e-6),
});

/** `augment.consistency`: Jensen–Shannon consistency between predictions on the original and the augmented view. */
export const ConsistencySchema = z.strictObject({
  weight: z.number().positive().default(1),
});

/**
 * `augment`: shape-biasing training methods, all off by default. Image-level methods run in the order
 * fourier, adain, randConv, photometric on the device batch; their randomness comes from the torch
 * generator, which train.seed seeds and checkpoints restore.
 */
export const AugmentConfigSchema = z.strictObject({
  randConv: RandConvSchema.optional(),
  fourier: FourierSchema.optional(),
  photometric: PhotometricSchema.optional(),
  adain: AdaINSchema.optional(),
  mixStyle: MixStyleSchema.optional(),
  dsu: DSUSchema.optional(),
  consistency: ConsistencySchema.optional(),
  /**
   * Share of each batch's images that go through the image-level methods (drawn per image); the rest stay as they
   * are, so every step also sees the training style. 1: the whole batch (the methods' own `p` still applies).
   */
  fraction: unitInterval.default(1),
  /**
   * Training: the images the methods left alone (or, with consistency, the original view) and the augmented ones are
   * normalised by their own BatchNorm batch statistics, running statistics following the clean ones (AdvProp's
   * separate statistics, Xie et al. CVPR 2020, with shared weights). Needs clean images: fraction < 1 or consistency.
   */
  splitBatchNorm: z.boolean().default(false),
});

/** `distributed`: how data-parallel workers (see docs/distributed.md) talk and normalise the loss. */
export const DistributedConfigSchema = z.strictObject({
  /** c10d backend; default gloo for CPU training, nccl for CUDA. */
  backend: z.enum(['gloo', 'nccl']).optional(),
  /** Bound on rendezvous and on every collective: a dead or hung rank stops the others within it. */
  timeoutSec: z.number().positive().default(1800),
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
    if (a.splitBatchNorm && a.fraction >= 1 && !a.consistency) {
      ctx.addIssue({
        code: 'custom',
        path: ['augment', 'splitBatchNorm'],
        message: 'needs clean images in the batch: set augment.fraction below 1 or augment.consistency',
      });
    }
    if (a.splitBatchNorm && c.train.syncBN) {
      ctx.addIssue({
        code: 'custom',
        path: ['augment', 'splitBatchNorm'],
        message: 'is not supported with train.syncBN (SyncBatchNorm normalises the whole global batch)',
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
/** Validated `augment`. */
export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;
/** Validated `distributed`. */
export type DistributedConfig = z.infer<typeof DistributedConfigSchema>;
/** Validated `eval`. */
export type EvalConfig = z.infer<typeof EvalConfigSchema>;
/** A validated run config: all defaults filled in, model.numClasses resolved from the label space. */
export type RunConfig = z.infer<typeof RunConfigSchema> & { model: { numClasses: number } };
/** A run config as written in a file (defaults optional). */
export type RunConfigInput = z.input<typeof RunConfigSchema>;
