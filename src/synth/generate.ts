/** generateDataset: renders every (world, variation, frame) and writes it in the chosen layout with a bounded encode pool. */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { repaintRegions } from './heldout-textures.js';
import { instanceColorSeed, instanceColors, makeLayout, type SequenceInstance, type WriteTask } from './layouts.js';
import { parseSynthOptions, type SynthOptions } from './options.js';
import { hashSeed } from './prng.js';
import { renderScene } from './render.js';
import { generateScene } from './scene.js';
import { CUE_CONFLICT, permutationByName, styleForFrame } from './suite-styles.js';
import { VARIATIONS } from './variations.js';

/** Folder (under the dataset root) of the cue-conflict texture-source maps: a KITTI-layout tree whose labels are the texture classes. */
export const TEXTURE_SOURCE_DIR = 'texture-source';

/** File (at the dataset root) recording every cue-conflict frame's class → texture-source permutation. */
export const CUE_CONFLICT_FILE = 'cue-conflict.json';

/** One cue-conflict frame's record in CUE_CONFLICT_FILE. */
export interface CueConflictFrame {
  readonly world: string;
  readonly variation: string;
  readonly frame: number;
  /** KITTI file number (`%06d_10.png` in TEXTURE_SOURCE_DIR). */
  readonly globalIndex: number;
  /** Class name → the class whose training-style texture it wears. */
  readonly textureOf: Record<string, string>;
}

/** What generateDataset wrote. */
export interface SynthResult {
  readonly root: string;
  readonly files: number;
}

/** Runs write tasks with at most `limit` in flight; errors name the file. */
class WritePool {
  private readonly inflight = new Set<Promise<void>>();
  private failure: Error | null = null;
  private readonly dirs = new Set<string>();
  done = 0;

  constructor(
    private readonly limit: number,
    private readonly onDone: () => void,
  ) {}

  async add(task: WriteTask): Promise<void> {
    while (this.inflight.size >= this.limit) await Promise.race(this.inflight);
    if (this.failure) throw this.failure;
    const dir = path.dirname(task.path);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const p: Promise<void> = task
      .write()
      .then(
        () => {
          this.done++;
          this.onDone();
        },
        (e: unknown) => {
          this.failure ??= new Error(`synth: writing ${task.path} failed: ${e instanceof Error ? e.message : String(e)}`);
        },
      )
      .finally(() => {
        this.inflight.delete(p);
      });
    this.inflight.add(p);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }
}

/** Per-world instance bookkeeping: sequence instances and each frame's offset into them. */
function sequenceInstances(perFrame: ReadonlyArray<readonly number[]>): { instances: SequenceInstance[]; offsets: number[] } {
  const instances: SequenceInstance[] = [];
  const perClass = new Map<number, number>();
  const offsets: number[] = [];
  for (const frameInstances of perFrame) {
    offsets.push(instances.length);
    for (const cls of frameInstances) {
      const id = perClass.get(cls) ?? 0;
      perClass.set(cls, id + 1);
      instances.push({ cls, id });
    }
  }
  return { instances, offsets };
}

/** Generates a synthetic road-scene dataset; the same options always give byte-identical files. */
export async function generateDataset(opts: SynthOptions): Promise<SynthResult> {
  const o = parseSynthOptions(opts);
  const root = path.resolve(o.out);
  const layout = makeLayout(o.layout, root, o.jpegQuality, o.split);
  // cue-conflict also writes each frame's texture-class map (KITTI layout, whatever the main one) and the permutations
  const textureLayout = o.style === CUE_CONFLICT ? makeLayout('kitti', path.join(root, TEXTURE_SOURCE_DIR), o.jpegQuality) : null;
  const cueFrames: CueConflictFrame[] = [];
  const seqFiles = { variation: o.variations.length, world: 1, none: 0 }[layout.sequenceScope];
  const perFrameFiles = layout.filesPerFrame + (textureLayout?.filesPerFrame ?? 0);
  const total = o.worlds.length * (o.variations.length * o.frames * perFrameFiles + seqFiles) + (textureLayout ? 1 : 0);
  const pool = new WritePool(o.concurrency, () => o.onProgress?.(pool.done, total));
  for (const dir of layout.emptyDirs) await mkdir(dir, { recursive: true });
  o.onProgress?.(0, total);

  let globalIndex = 0;
  for (const world of o.worlds) {
    // Instance numbering needs the whole sequence first; scenes are cheap to regenerate, so only
    // their instance lists are kept (memory stays flat for long sequences).
    const perFrame: number[][] = [];
    for (let f = 0; f < o.frames; f++) perFrame.push(generateScene(o.seed, world, f).instances);
    const { instances, offsets } = sequenceInstances(perFrame);
    for (const [vi, variation] of o.variations.entries()) {
      const colors = instanceColors(instances.length, instanceColorSeed(o.seed, world, variation));
      if (layout.sequenceScope === 'variation' || (layout.sequenceScope === 'world' && vi === 0)) {
        for (const t of layout.sequenceTasks(world, variation, instances, colors)) await pool.add(t);
      }
      for (let f = 0; f < o.frames; f++) {
        const { style, permutation, repaint } = styleForFrame(o.style, { seed: o.seed, world, variation, frame: f });
        const rendered = renderScene(generateScene(o.seed, world, f), o.width, o.height, style, VARIATIONS[variation], hashSeed(o.seed, world, variation, f));
        // held-out and unseen styles keep the training-style frame's labels and replace every surface
        const frame =
          repaint === undefined ? rendered : { ...rendered, rgb: repaintRegions(rendered.label, o.width, o.height, repaint.seed, repaint.textures).rgb };
        const ref = { world, variation, frame: f, globalIndex: globalIndex++, instanceOffset: offsets[f]! };
        for (const t of layout.frameTasks(ref, frame, colors)) await pool.add(t);
        if (textureLayout && permutation) {
          const label = frame.label.map((l) => (l < permutation.length ? permutation[l]! : l));
          for (const t of textureLayout.frameTasks(ref, { ...frame, label }, colors)) await pool.add(t);
          cueFrames.push({ world, variation, frame: f, globalIndex: ref.globalIndex, textureOf: permutationByName(permutation) });
        }
      }
    }
  }
  if (textureLayout) {
    const file = path.join(root, CUE_CONFLICT_FILE);
    await pool.add({
      path: file,
      write: () => writeFileAtomicAsync(file, `${JSON.stringify({ textureSourceDir: TEXTURE_SOURCE_DIR, frames: cueFrames }, null, 1)}\n`),
    });
  }
  await pool.drain();
  return { root, files: pool.done };
}
