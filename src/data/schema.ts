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

// BDD100K and Mapillary: hashed file names (no frame numbers); labels stand for Cityscapes classes, so any label
// space of Cityscapes classes works (synthia16 drops terrain, truck and train); unknownColor applies to unknown ids
const cityscapesNamed = { root: common.root, unknownColor: common.unknownColor, labelSpace: z.enum(LABEL_SPACE_NAMES).default('cityscapes19') };

/** BDD100K semantic segmentation ("10K Images"), 2021 `images/10k` + `labels/sem_seg` tree or 2018 `seg/` tree. */
export const Bdd100kConfigSchema = z.strictObject({
  layout: z.literal('bdd100k'),
  ...cityscapesNamed,
  // test has no public labels: accepted here so that the reader can say so
  split: z.enum(['train', 'val', 'test']).default('val'),
  /** Images without a label / labels without an image: fail naming them, or leave them out. */
  unpaired: z.enum(['error', 'skip']).default('error'),
});

/** Mapillary Vistas with its v1.2 labels (v1.x tree or the 2.0 release's `<split>/v1.2/labels`). */
export const MapillaryConfigSchema = z.strictObject({
  layout: z.literal('mapillary'),
  ...cityscapesNamed,
  // the publisher's split folders; testing has no public labels
  split: z.enum(['training', 'validation', 'testing']).default('validation'),
});

/** A validated BDD100K split config. */
export type Bdd100kConfig = z.infer<typeof Bdd100kConfigSchema>;
/** A validated Mapillary Vistas split config. */
export type MapillaryConfig = z.infer<typeof MapillaryConfigSchema>;

/** Cityscapes (gtFine label ids), one of the publisher's splits; test has no public labels and is refused. */
export const CityscapesConfigSchema = z.strictObject({
  layout: z.literal('cityscapes'),
  root: z.string().min(1),
  /** Pixels whose value is no Cityscapes label id (0..33): fail, or map to 255. */
  unknownColor: z.enum(['error', 'ignore']).default('error'),
  split: z.enum(['train', 'val', 'test']).default('train'),
  labelSpace: z.enum(LABEL_SPACE_NAMES).default('cityscapes19'),
  /** City directories to keep, e.g. ['aachen', 'bochum']; default all of the split. */
  cities: z.array(z.string().min(1)).min(1).optional(),
});

/** GTA5 ("Playing for Data"): all frames, or a split of the publisher's split.mat. */
export const Gta5ConfigSchema = z.strictObject({
  layout: z.literal('gta5'),
  ...common,
  labelSpace: z.enum(LABEL_SPACE_NAMES).default('cityscapes19'),
  /** 'all' frames, or trainIds / valIds / testIds of `splitFile`. */
  split: z.enum(['all', 'train', 'val', 'test']).default('all'),
  /** The publisher's split file (MAT-file with trainIds, valIds, testIds); default <root>/split.mat. */
  splitFile: z.string().min(1).optional(),
  /** 'skip': leave out the frames known to pair an image and a label of different sizes; 'resize': keep them, label resized (nearest) to the image. */
  sizeMismatch: z.enum(['skip', 'resize']).default('skip'),
});

/** SYNTHIA-RAND-CITYSCAPES (16-bit GT/LABELS). */
export const SynthiaConfigSchema = z.strictObject({
  layout: z.literal('synthia'),
  ...common,
  labelSpace: z.enum(LABEL_SPACE_NAMES).default('synthia16'),
});

/** A validated Cityscapes split config. */
export type CityscapesConfig = z.infer<typeof CityscapesConfigSchema>;
/** A validated GTA5 split config. */
export type Gta5Config = z.infer<typeof Gta5ConfigSchema>;

/** One dataset split: layout, root, label space, filters, unknown-colour policy. */
export const DataConfigSchema = z.discriminatedUnion('layout', [
  VKitti1ConfigSchema,
  VKitti2ConfigSchema,
  KittiConfigSchema,
  Bdd100kConfigSchema,
  MapillaryConfigSchema,
  CityscapesConfigSchema,
  Gta5ConfigSchema,
  SynthiaConfigSchema,
]);

/** A validated dataset split config. */
export type DataConfig = z.infer<typeof DataConfigSchema>;

/** Every layout the data config accepts (the `--data LAYOUT:ROOT` choices), in the schema's order. */
export const LAYOUTS: readonly DataConfig['layout'][] = DataConfigSchema.options.map((o) => o.shape.layout.value);
/** A dataset split config as written. */
export type DataConfigInput = z.input<typeof DataConfigSchema>;

/**
 * `data.workers`: data-loading threads for training and evaluation (decode + augmentation off the main thread);
 * 0 loads on the main thread. Omitted: one per core (resolved where the loader starts, see worker-pool.ts).
 */
export const DataWorkersSchema = nonNegInt.optional();
