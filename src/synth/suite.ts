/**
 * The texture-shift suite: one set of scenes (identical label maps) rendered in the training style,
 * shifted (selection) styles, held-out and unseen test styles (every label region repainted in textures of their own),
 * a texture-free style and a cue-conflict style, each a dataset in a real layout under
 * `<suite>/<style>/`, plus `<suite>/suite.json` naming them. The cue-conflict dataset carries its
 * texture-class maps in `<suite>/cue-conflict/texture-source/` (KITTI layout, labels = the class whose
 * texture was painted there) and the per-frame permutations in `<suite>/cue-conflict/cue-conflict.json`.
 */
import fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { CUE_CONFLICT_FILE, generateDataset, TEXTURE_SOURCE_DIR } from './generate.js';
import { LAYOUT_NAMES } from './layouts.js';
import type { SynthProgress } from './options.js';
import { WORLD_IDS } from './scene.js';
import { CUE_CONFLICT, HELD_OUT_STYLES, STYLE_SHIFTS, TEXTURE_FREE, UNSEEN_STYLES } from './suite-styles.js';
import { VARIATION_NAMES } from './variations.js';

/** Manifest file name at the suite root. */
export const SUITE_FILE = 'suite.json';

/** Identifies the manifest layout; bump on incompatible changes. */
export const SUITE_FORMAT = 'shapeseg-suite/1';

/**
 * Every suite role (suite.json's `styles[].role`). 'shifted': a selection style (methods and settings are chosen on
 * them); 'held-out': a test style, never tuned on; 'unseen': a second test tier, added after advice had been read off
 * the held-out styles (suite-styles.ts, UNSEEN_STYLES).
 */
export const SUITE_ROLES = ['training', 'shifted', 'held-out', 'unseen', 'texture-free', 'cue-conflict'] as const;

/** What a style is for in the suite. */
export type SuiteRole = (typeof SUITE_ROLES)[number];

/** The suite's styles in report order: the training style first. */
export const SUITE_STYLES: ReadonlyArray<{ readonly name: string; readonly role: SuiteRole }> = [
  { name: 'default', role: 'training' },
  { name: 'shifted', role: 'shifted' },
  ...STYLE_SHIFTS.map((s) => ({ name: s.name, role: 'shifted' as const })),
  ...HELD_OUT_STYLES.map((s) => ({ name: s.name, role: 'held-out' as const })),
  ...UNSEEN_STYLES.map((s) => ({ name: s.name, role: 'unseen' as const })),
  { name: TEXTURE_FREE, role: 'texture-free' },
  { name: CUE_CONFLICT, role: 'cue-conflict' },
];

/** Scenes of a suite; the defaults are `shapeseg demo`'s held-out split (world 0020, seed 2, 112x368, KITTI layout). */
export const SuiteOptionsSchema = z.strictObject({
  out: z.string().min(1),
  layout: z.enum(LAYOUT_NAMES).default('kitti'),
  frames: z.number().int().min(1).max(100_000).default(40),
  worlds: z.array(z.enum(WORLD_IDS)).min(1).default(['0020']),
  variations: z.array(z.enum(VARIATION_NAMES)).min(1).default(['clone']),
  height: z.number().int().min(16).max(4096).default(112),
  width: z.number().int().min(16).max(8192).default(368),
  seed: z.number().int().min(0).max(0xffffffff).default(2),
  concurrency: z.number().int().min(1).max(64).default(4),
});

/** Suite options as callers pass them. */
export type SuiteOptions = z.input<typeof SuiteOptionsSchema> & { onProgress?: (style: string, done: number, total: number) => void };

const StyleEntrySchema = z.strictObject({ name: z.string(), role: z.enum(SUITE_ROLES), dir: z.string() });

/** Schema of suite.json. */
export const SuiteManifestSchema = z.looseObject({
  format: z.literal(SUITE_FORMAT),
  layout: z.enum(LAYOUT_NAMES),
  seed: z.number().int(),
  worlds: z.array(z.string()),
  variations: z.array(z.string()),
  frames: z.number().int(),
  height: z.number().int(),
  width: z.number().int(),
  trainingStyle: z.string(),
  styles: z.array(StyleEntrySchema).min(1),
  cueConflict: z.strictObject({ style: z.string(), textureSourceDir: z.string(), permutationsFile: z.string() }).nullable(),
});

/** The content of suite.json (dirs relative to the suite root). */
export type SuiteManifest = z.infer<typeof SuiteManifestSchema>;

/** Writes a suite; the same options always give byte-identical dataset files. suite.json is written last (a complete suite has one). */
export async function generateSuite(opts: SuiteOptions): Promise<SuiteManifest> {
  const { onProgress, ...data } = opts;
  const r = SuiteOptionsSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`invalid suite option "${issue.path.join('.') || '(options)'}": ${issue.message}`);
  }
  const o = r.data;
  const root = path.resolve(o.out);
  const common = {
    layout: o.layout,
    frames: o.frames,
    worlds: o.worlds,
    variations: o.variations,
    height: o.height,
    width: o.width,
    seed: o.seed,
    concurrency: o.concurrency,
  };
  for (const s of SUITE_STYLES) {
    const progress: SynthProgress | undefined = onProgress ? (done, total) => onProgress(s.name, done, total) : undefined;
    // every style from the same seed: the scenes (and label maps) are the same, only surfaces differ
    await generateDataset({ ...common, out: path.join(root, s.name), style: s.name, ...(progress ? { onProgress: progress } : {}) });
  }
  const manifest: SuiteManifest = {
    format: SUITE_FORMAT,
    layout: o.layout,
    seed: o.seed,
    worlds: o.worlds,
    variations: o.variations,
    frames: o.frames,
    height: o.height,
    width: o.width,
    trainingStyle: SUITE_STYLES[0]!.name,
    styles: SUITE_STYLES.map((s) => ({ name: s.name, role: s.role, dir: s.name })),
    cueConflict: { style: CUE_CONFLICT, textureSourceDir: `${CUE_CONFLICT}/${TEXTURE_SOURCE_DIR}`, permutationsFile: `${CUE_CONFLICT}/${CUE_CONFLICT_FILE}` },
  };
  await writeFileAtomicAsync(path.join(root, SUITE_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads and validates `<dir>/suite.json`; errors name the file and the field. */
export function readSuiteManifest(dir: string): SuiteManifest {
  const file = path.join(dir, SUITE_FILE);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable suite manifest (${(e as Error).message}); write one with \`shapeseg synth --suite --out ${dir}\``);
  }
  const r = SuiteManifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${file}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return r.data;
}

/** Where the default suite (the demo's held-out scenes) of this size lives under a cache folder. */
export function defaultSuiteDir(cache: string, o: { frames: number; height: number; width: number }): string {
  return path.resolve(cache, `kitti-0020-seed2-${o.frames}f-${o.height}x${o.width}`);
}

/**
 * The suite in `dir` if it exists and was made with these options, else a fresh one written there
 * (the folder is cleared first, so a half-written suite never survives).
 */
export async function ensureSuite(opts: SuiteOptions): Promise<SuiteManifest> {
  const dir = path.resolve(opts.out);
  const { onProgress: _progress, ...data } = opts;
  const want = SuiteOptionsSchema.parse({ ...data, out: dir });
  if (fs.existsSync(path.join(dir, SUITE_FILE))) {
    const m = readSuiteManifest(dir);
    const same =
      m.layout === want.layout &&
      m.seed === want.seed &&
      m.frames === want.frames &&
      m.height === want.height &&
      m.width === want.width &&
      JSON.stringify(m.worlds) === JSON.stringify(want.worlds) &&
      JSON.stringify(m.variations) === JSON.stringify(want.variations) &&
      JSON.stringify(m.styles.map((s) => s.name)) === JSON.stringify(SUITE_STYLES.map((s) => s.name));
    if (same) return m;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return generateSuite(opts);
}
