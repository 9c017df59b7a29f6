// What a result file records of a test-time adaptation: the method and its settings, and the unlabeled target
// images it adapted on (these numbers used target images: they are reported apart from source-only ones).
import * as z from 'zod';
import { type AdaptOptions, BnAdaptSchema, TentSchema } from './options.js';

/** Images per adaptation batch: evaluation adapts on one image at a time (sizes differ, e.g. KITTI frames). */
export const ADAPT_BATCH = 1;

/** How the adaptation saw the images, beside its settings. */
const usage = {
  /** Target images adapted on (the evaluated ones, in evaluation order). */
  images: z.number().int().nonnegative(),
  /** The data they came from (`layout:root {filters}`). */
  data: z.string().nullable(),
  /** Images per adaptation batch. */
  batch: z.number().int().positive(),
};

/** Schema of the settings as result files record them (extra fields tolerated, so newer writers stay readable). */
export const AdaptSettingsRecordSchema = z.discriminatedUnion('method', [BnAdaptSchema.loose(), TentSchema.loose()]);

/** Schema of the `adaptation` field of eval result files: settings and the images adapted on (null: source-only). */
export const AdaptationRecordSchema = z.discriminatedUnion('method', [BnAdaptSchema.extend(usage).loose(), TentSchema.extend(usage).loose()]);

/** The `adaptation` field of a result file. */
export type AdaptationRecord = z.infer<typeof AdaptationRecordSchema>;

/** The record of an adaptation over `images` images of `data`; null without one. */
export function adaptationRecord(adapt: AdaptOptions | null | undefined, images: number, data: string | null): AdaptationRecord | null {
  return adapt ? { ...adapt, images, data, batch: ADAPT_BATCH } : null;
}
