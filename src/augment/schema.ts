// The `augment` section of the run config, composed from each method's schema (beside its class); src/config
// composes the run config from it as from src/data's.
import * as z from 'zod';
import { AdaINSchema } from './adain.js';
import { ConsistencySchema } from './consistency.js';
import { DebiasSchema } from './debias.js';
import { DSUSchema } from './dsu.js';
import { FourierSchema } from './fourier.js';
import { MixStyleSchema } from './mixstyle.js';
import { PhotometricSchema } from './photometric.js';
import { RandConvSchema } from './randconv.js';
import { RepaintSchema } from './repaint.js';
import { unitInterval } from './schema-parts.js';

/**
 * `augment`: shape-biasing training methods, all off by default, each method's schema beside its class.
 * Image-level methods run in the order debias, repaint, fourier, adain, randConv, photometric on the device batch; their randomness
 * comes from the torch generator, which train.seed seeds and checkpoints restore.
 */
export const AugmentConfigSchema = z.strictObject({
  randConv: RandConvSchema.optional(),
  fourier: FourierSchema.optional(),
  photometric: PhotometricSchema.optional(),
  adain: AdaINSchema.optional(),
  mixStyle: MixStyleSchema.optional(),
  dsu: DSUSchema.optional(),
  consistency: ConsistencySchema.optional(),
  debias: DebiasSchema.optional(),
  repaint: RepaintSchema.optional(),
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
  /**
   * Training: AdvProp's auxiliary BatchNorm (Xie et al. CVPR 2020): every BatchNorm gets a twin with its own weight,
   * bias and running statistics that normalises the augmented images, the clean ones going through the model's own
   * BatchNorm as without them. Implies the split of splitBatchNorm; needs clean images (fraction < 1 or consistency)
   * and an image-level method. Checkpoints hold the twins under `<bn>.aux_bn.*`; eval/shift-eval `--bn aux` use them.
   */
  auxBatchNorm: z.boolean().default(false),
});

/** Validated `augment`. */
export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;
