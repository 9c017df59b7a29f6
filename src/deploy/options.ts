// Options of Segmenter.load and Segmenter.segment, validated with zod; errors name the failing field.
import * as z from 'zod';
import { formatIssues } from '../config/errors.js';
import { LABEL_SPACE_NAMES } from '../data/label-spaces.js';
import { BATCHNORM_CHOICES } from '../nn/batchnorm-choice.js';
import { DEVICE_PATTERN } from '../tensor/device.js';

const positiveInt = z.number().int().positive();
/** A height and width: `[h, w]`, or one number for both. */
const size2 = z.union([positiveInt.transform((n) => [n, n] as const), z.tuple([positiveInt, positiveInt]).readonly()]);

/** Segmenter.load's options. */
export const LoadOptionsSchema = z.strictObject({
  /** cpu, cuda or cuda:N (libtorch; default cuda when available). onnxruntime runs on the CPU. */
  device: z.string().regex(DEVICE_PATTERN, 'expected cpu, cuda or cuda:N').optional(),
  /** Intra-op CPU threads (onnxruntime's session option; libtorch's process-wide setNumThreads). */
  threads: positiveInt.optional(),
  /** Output stride of a libtorch model (default: the one it was trained at, else 16). */
  outputStride: z.union([z.literal(8), z.literal(16)]).optional(),
  /** BatchNorm of a libtorch model with auxiliary twins: `main` (default) or `aux`. */
  bn: z.enum(BATCHNORM_CHOICES).optional(),
  /** Label space for a model file that records none (e.g. a torchvision .pth); must agree with one that does. */
  labelSpace: z.enum(LABEL_SPACE_NAMES).optional(),
});

/** Segmenter.load's options (before validation). */
export type LoadOptions = z.input<typeof LoadOptionsSchema>;

/** How Segmenter.segment runs the model over an image. */
export const SegmentOptionsSchema = z
  .strictObject({
    /** `whole` (default): the image in one pass; `slide`: mmsegmentation's overlapping windows of `crop`. */
    mode: z.enum(['whole', 'slide']).default('whole'),
    /** Window size [h, w] of slide mode. */
    crop: size2.optional(),
    /** Window step [h, w] of slide mode (default: two thirds of the crop, rounded, as mmseg's 512/341 and 769/513 configs). */
    stride: size2.optional(),
    /** Input scale factors; the probabilities of each are resized back and averaged. */
    scales: z.array(z.number().positive()).min(1).default([1]),
    /** Also run the horizontally flipped image and average it in. */
    flip: z.boolean().default(false),
    /** Also return the class probabilities C×H×W. */
    probabilities: z.boolean().default(false),
    /** Most images (segmentMany) or windows (slide) per backend call. */
    batchSize: positiveInt.default(1),
  })
  .refine((o) => o.mode === 'slide' || (o.crop === undefined && o.stride === undefined), {
    message: 'crop and stride are slide-mode options: set mode: "slide"',
  })
  .refine((o) => o.mode === 'whole' || o.crop !== undefined, { message: 'slide mode needs crop: [h, w]', path: ['crop'] });

/** Segmenter.segment's options (before validation). */
export type SegmentOptions = z.input<typeof SegmentOptionsSchema>;
/** Segmenter.segment's options, validated, with defaults. */
export type ResolvedSegmentOptions = z.output<typeof SegmentOptionsSchema> & { stride?: readonly [number, number] };

/** Parses options with `schema`; throws `<what>: <field>: expected ..., got ...`. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new Error(`${what}: ${formatIssues(r.error.issues, input ?? {}).join('; ')}`);
  return r.data;
}

/** Slide mode's stride: as given, else two thirds of the crop, rounded. */
export function slideStride(o: ResolvedSegmentOptions): readonly [number, number] {
  const crop = o.crop as readonly [number, number];
  return o.stride ?? [Math.max(1, Math.round((crop[0] * 2) / 3)), Math.max(1, Math.round((crop[1] * 2) / 3))];
}
