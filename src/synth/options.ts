/** Options of the synthetic dataset generator, validated with zod; errors name the offending field. */
import { z } from 'zod';
import { CITYSCAPES_SPLITS } from './benchmark-layouts.js';
import { LAYOUT_NAMES } from './layouts.js';
import { WORLD_IDS } from './scene.js';
import { STYLE_NAMES } from './suite-styles.js';
import { VARIATION_NAMES } from './variations.js';

const unique = <T>(xs: readonly T[]): boolean => new Set(xs).size === xs.length;

/** Schema of the generator's data options (everything but the progress callback). */
export const SynthOptionsSchema = z.strictObject({
  /** Dataset root directory (created if missing). */
  out: z.string().min(1),
  layout: z.enum(LAYOUT_NAMES).default('vkitti1'),
  /** Frames per (world, variation). */
  frames: z.number().int().min(1).max(100_000).default(20),
  worlds: z.array(z.enum(WORLD_IDS)).min(1).refine(unique, 'duplicate world').default(['0001']),
  variations: z.array(z.enum(VARIATION_NAMES)).min(1).refine(unique, 'duplicate variation').default(['clone']),
  /** Image height and width in pixels (KITTI: 375 x 1242). */
  height: z.number().int().min(16).max(4096).default(375),
  width: z.number().int().min(16).max(8192).default(1242),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  style: z.enum(STYLE_NAMES).default('default'),
  /** Image encodes in flight at once. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** JPEG quality of Virtual KITTI 2 RGB frames. */
  jpegQuality: z.number().int().min(1).max(100).default(95),
  /** Cityscapes layout only: the split folder the frames go to (leftImg8bit/<split>, gtFine/<split>); default train. */
  split: z.enum(CITYSCAPES_SPLITS).optional(),
});

/** Validated generator options. */
export type ResolvedSynthOptions = z.output<typeof SynthOptionsSchema>;

/** Progress callback: files written so far out of the total. */
export type SynthProgress = (done: number, total: number) => void;

/** Generator options as callers pass them (defaults filled in by validation). */
export type SynthOptions = z.input<typeof SynthOptionsSchema> & { onProgress?: SynthProgress };

/** Thrown for invalid generator options; the message names the field and the rejected value. */
export class SynthOptionsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SynthOptionsError';
  }
}

function valueAt(obj: unknown, keys: readonly PropertyKey[]): unknown {
  let v = obj;
  for (const k of keys) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Validates options, filling defaults; throws SynthOptionsError naming the first bad field. */
export function parseSynthOptions(opts: SynthOptions): ResolvedSynthOptions & { onProgress?: SynthProgress } {
  const { onProgress, ...data } = opts;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new SynthOptionsError('onProgress', `invalid synth option "onProgress": expected a function, got ${typeof onProgress}`);
  }
  const r = SynthOptionsSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      throw new SynthOptionsError(key, `unknown synth option "${key}" (known: ${Object.keys(SynthOptionsSchema.shape).join(', ')}, onProgress)`);
    }
    const field = issue.path.map(String).join('.') || '(options)';
    const got = valueAt(data, issue.path);
    const gotText = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
    throw new SynthOptionsError(field, `invalid synth option "${field}": ${issue.message}${gotText}`);
  }
  if (r.data.split !== undefined && r.data.layout !== 'cityscapes') {
    throw new SynthOptionsError('split', `invalid synth option "split": only the cityscapes layout has split folders (layout is ${r.data.layout})`);
  }
  return onProgress ? { ...r.data, onProgress } : r.data;
}
