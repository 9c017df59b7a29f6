// The dataset section of a run config (data.train / data.val); the config layer composes it.
import * as z from 'zod';
import { LABEL_SPACE_NAMES } from './label-spaces.js';

const nonNegInt = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();

/** Frame range [start, end) with a stride, on the frame number in the file names. */
export const FrameRangeSchema = z
  .strictObject({ start: nonNegInt.default(0), end: positiveInt.optional(), step: positiveInt.default(1) })
  .refine((r) => r.end === undefined || r.end > r.start, { message: 'expected end > start' });

const nameOrNumber = z.union([z.string().min(1), nonNegInt]);

const common = {
  /** Dataset root directory. */
  root: z.string().min(1),
  /** Pixels whose colour (VKITTI) or id (KITTI) is in no table: fail, or map to 255. */
  unknownColor: z.enum(['error', 'ignore']).default('error'),
  frames: FrameRangeSchema.optional(),
};

/** Virtual KITTI 1.3.1 split. */
export const VKitti1ConfigSchema = z.strictObject({
  layout: z.literal('vkitti1'),
  ...common,
  labelSpace: z.enum(LABEL_SPACE_NAMES).default('vkitti'),
  /** e.g. ['0001', '0002'] or [1, 2]. */
  worlds: z.array(nameOrNumber).min(1).optional(),
  /** e.g. ['clone', 'fog']. */
  variations: z.array(z.string().min(1)).min(1).optional(),
});

/** Virtual KITTI 2 split. */
export const VKitti2ConfigSchema = z.strictObject({
  layout: z.literal('vkitti2'),
  ...common,
  labelSpace: z.enum(LABEL_SPACE_NAMES).default('vkitti'),
  /** e.g. ['Scene01'] or [1]. */
  scenes: z.array(nameOrNumber).min(1).optional(),
  variations: z.array(z.string().min(1)).min(1).optional(),
  camera: z.string().min(1).default('Camera_0'),
});

/** KITTI semantic split. */
export const KittiConfigSchema = z.strictObject({
  layout: z.literal('kitti'),
  ...common,
  // KITTI has no Tree/Vegetation split, so only the shared space works
  labelSpace: z.enum(LABEL_SPACE_NAMES).default('vkitti-kitti'),
  /** Explicit file stems, e.g. ['000000_10']. */
  ids: z.array(z.string().min(1)).min(1).optional(),
});

/** One dataset split: layout, root, label space, filters, unknown-colour policy. */
export const DataConfigSchema = z.discriminatedUnion('layout', [VKitti1ConfigSchema, VKitti2ConfigSchema, KittiConfigSchema]);

/** A validated dataset split config. */
export type DataConfig = z.infer<typeof DataConfigSchema>;
/** A dataset split config as written. */
export type DataConfigInput = z.input<typeof DataConfigSchema>;

/**
 * `data.workers`: data-loading threads for training and evaluation (decode + augmentation off the main thread);
 * 0 loads on the main thread. Omitted: one per core (resolved where the loader starts, see worker-pool.ts).
 */
export const DataWorkersSchema = nonNegInt.optional();
