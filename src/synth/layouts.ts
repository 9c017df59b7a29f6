/**
 * On-disk dataset layouts: Virtual KITTI 1.3.1, Virtual KITTI 2 and the KITTI semantic benchmark here; the
 * stand-ins of Cityscapes, GTA5 and SYNTHIA in src/synth/benchmark-layouts.ts.
 * A layout turns rendered frames into write tasks (path + encoder), so the generator can pool them.
 */
import * as path from 'node:path';
import sharp from 'sharp';
import { BENCHMARK_LAYOUTS, type CITYSCAPES_SPLITS } from './benchmark-layouts.js';
import { CITYSCAPES_UNLABELED, type RGB, SYNTH_CLASSES, VKITTI2_UNDEFINED } from './classes.js';
import { pad, pngTask, textTask } from './layout-files.js';
import { hashSeed, Rng } from './prng.js';
import type { RenderedFrame } from './render.js';

/** Layout names accepted by the `layout` option. */
export const LAYOUT_NAMES = ['vkitti1', 'vkitti2', 'kitti', 'cityscapes', 'gta5', 'synthia'] as const;

/** A dataset layout name. */
export type LayoutName = (typeof LAYOUT_NAMES)[number];

/** One file to write. */
export interface WriteTask {
  readonly path: string;
  write(): Promise<void>;
}

/** A per-sequence instance: its class index and its id within the class (`Car:<id>`). */
export interface SequenceInstance {
  readonly cls: number;
  readonly id: number;
}

/** Where a frame belongs and how its per-frame instance indices map into the sequence's instances. */
export interface FrameRef {
  readonly world: string;
  readonly variation: string;
  readonly frame: number;
  /** Running index over every frame the generator writes (KITTI numbering). */
  readonly globalIndex: number;
  /** Index into the sequence's instance list of this frame's instance 0. */
  readonly instanceOffset: number;
}

/** Writes one layout under a root directory. */
export interface Layout {
  /** Files written per rendered frame. */
  readonly filesPerFrame: number;
  /** Directories to create up front even if nothing lands in them (KITTI `testing/image_2`). */
  readonly emptyDirs: readonly string[];
  frameTasks(ref: FrameRef, frame: RenderedFrame, instanceColors: readonly RGB[]): WriteTask[];
  /** Files describing one (world, variation) sequence, given its instances. */
  sequenceTasks(world: string, variation: string, instances: readonly SequenceInstance[], instanceColors: readonly RGB[]): WriteTask[];
  /** How often sequenceTasks is called: per (world, variation), once per world, or never. */
  readonly sequenceScope: 'variation' | 'world' | 'none';
}

/** Header line of Virtual KITTI 1.3.1 `*_scenegt_rgb_encoding.txt` files, as published (docs/datasets.md). */
const VKITTI1_ENCODING_HEADER = 'Category(:id) r g b';
/** Header line of Virtual KITTI 2 `colors.txt` files, as published (docs/datasets.md). */
const VKITTI2_COLORS_HEADER = 'Category r g b';

/** Paints a class-colour image from class indices (and per-instance colours where given). */
function colorize(frame: RenderedFrame, classColor: (cls: number) => RGB, instColor: ((inst: number) => RGB) | null, undefinedColor: RGB): Uint8Array {
  const n = frame.width * frame.height;
  const lut = new Uint8Array(256 * 3);
  for (let c = 0; c < 256; c++) {
    const col = c < SYNTH_CLASSES.length ? classColor(c) : undefinedColor;
    lut.set(col, c * 3);
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const inst = frame.inst[i]!;
    if (instColor && inst >= 0) {
      const col = instColor(inst);
      out[i * 3] = col[0];
      out[i * 3 + 1] = col[1];
      out[i * 3 + 2] = col[2];
    } else {
      const k = frame.label[i]! * 3;
      out[i * 3] = lut[k]!;
      out[i * 3 + 1] = lut[k + 1]!;
      out[i * 3 + 2] = lut[k + 2]!;
    }
  }
  return out;
}

/** Distinct random colours for a sequence's instances, avoiding every class colour (seeded). */
export function instanceColors(count: number, seed: number): RGB[] {
  const rng = new Rng(seed);
  const used = new Set<number>();
  for (const c of SYNTH_CLASSES) used.add((c.vkitti1[0] << 16) | (c.vkitti1[1] << 8) | c.vkitti1[2]);
  used.add(0);
  const out: RGB[] = [];
  while (out.length < count) {
    const col: RGB = [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
    const key = (col[0] << 16) | (col[1] << 8) | col[2];
    if (used.has(key)) continue;
    used.add(key);
    out.push(col);
  }
  return out;
}

/** Seed of a sequence's instance colours. */
export function instanceColorSeed(seed: number, world: string, variation: string): number {
  return hashSeed(seed, 'instance-colors', world, variation);
}

/** Virtual KITTI 1.3.1: vkitti_1.3.1_rgb / vkitti_1.3.1_scenegt with per-sequence encoding files. */
function vkitti1(root: string): Layout {
  const rgbDir = path.join(root, 'vkitti_1.3.1_rgb');
  const gtDir = path.join(root, 'vkitti_1.3.1_scenegt');
  return {
    filesPerFrame: 2,
    emptyDirs: [],
    sequenceScope: 'variation',
    frameTasks(ref, frame, colors) {
      const name = `${pad(ref.frame, 5)}.png`;
      const gt = colorize(
        frame,
        (c) => SYNTH_CLASSES[c]!.vkitti1,
        (i) => colors[ref.instanceOffset + i]!,
        VKITTI2_UNDEFINED,
      );
      return [
        pngTask(path.join(rgbDir, ref.world, ref.variation, name), frame.rgb, frame.width, frame.height, 3),
        pngTask(path.join(gtDir, ref.world, ref.variation, name), gt, frame.width, frame.height, 3),
      ];
    },
    sequenceTasks(world, variation, instances, colors) {
      const lines = [VKITTI1_ENCODING_HEADER];
      for (const c of SYNTH_CLASSES) if (!c.instanced) lines.push(`${c.name} ${c.vkitti1.join(' ')}`);
      instances.forEach((inst, k) => {
        lines.push(`${SYNTH_CLASSES[inst.cls]!.name}:${inst.id} ${colors[k]!.join(' ')}`);
      });
      return [textTask(path.join(gtDir, `${world}_${variation}_scenegt_rgb_encoding.txt`), lines)];
    },
  };
}

/** Virtual KITTI 2 scene directory name of a world id ("0018" -> "Scene18"). */
export function vkitti2SceneName(world: string): string {
  return `Scene${world.slice(-2)}`;
}

/** Virtual KITTI 2.x: SceneXX/<variation>/frames/{rgb,classSegmentation}/Camera_0 plus SceneXX/<variation>/colors.txt. */
function vkitti2(root: string, jpegQuality: number): Layout {
  return {
    filesPerFrame: 2,
    emptyDirs: [],
    sequenceScope: 'variation',
    frameTasks(ref, frame) {
      const base = path.join(root, vkitti2SceneName(ref.world), ref.variation, 'frames');
      const gt = colorize(frame, (c) => SYNTH_CLASSES[c]!.vkitti2, null, VKITTI2_UNDEFINED);
      const rgbFile = path.join(base, 'rgb', 'Camera_0', `rgb_${pad(ref.frame, 5)}.jpg`);
      return [
        {
          path: rgbFile,
          write: async () => {
            await sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } })
              .jpeg({ quality: jpegQuality })
              .toFile(rgbFile);
          },
        },
        pngTask(path.join(base, 'classSegmentation', 'Camera_0', `classgt_${pad(ref.frame, 5)}.png`), gt, frame.width, frame.height, 3),
      ];
    },
    sequenceTasks(world, variation) {
      const lines = [VKITTI2_COLORS_HEADER];
      for (const c of SYNTH_CLASSES) lines.push(`${c.name} ${c.vkitti2.join(' ')}`);
      lines.push(`Undefined ${VKITTI2_UNDEFINED.join(' ')}`);
      return [textTask(path.join(root, vkitti2SceneName(world), variation, 'colors.txt'), lines)];
    },
  };
}

/** KITTI semantic benchmark: training/image_2 + training/semantic (Cityscapes label ids), empty testing/image_2. */
function kitti(root: string): Layout {
  const lut = new Uint8Array(256).fill(CITYSCAPES_UNLABELED);
  SYNTH_CLASSES.forEach((c, i) => {
    lut[i] = c.cityscapesId;
  });
  return {
    filesPerFrame: 2,
    emptyDirs: [path.join(root, 'testing', 'image_2')],
    sequenceScope: 'none',
    frameTasks(ref, frame) {
      const name = `${pad(ref.globalIndex, 6)}_10.png`;
      const ids = new Uint8Array(frame.label.length);
      for (let i = 0; i < ids.length; i++) ids[i] = lut[frame.label[i]!]!;
      return [
        pngTask(path.join(root, 'training', 'image_2', name), frame.rgb, frame.width, frame.height, 3),
        pngTask(path.join(root, 'training', 'semantic', name), ids, frame.width, frame.height, 1),
      ];
    },
    sequenceTasks() {
      return [];
    },
  };
}

/** The writer for a layout name (`split`: the Cityscapes split folder). */
export function makeLayout(name: LayoutName, root: string, jpegQuality: number, split: (typeof CITYSCAPES_SPLITS)[number] = 'train'): Layout {
  switch (name) {
    case 'cityscapes':
      return BENCHMARK_LAYOUTS.cityscapes(root, split);
    case 'gta5':
      return BENCHMARK_LAYOUTS.gta5(root);
    case 'synthia':
      return BENCHMARK_LAYOUTS.synthia(root);
    case 'vkitti1':
      return vkitti1(root);
    case 'vkitti2':
      return vkitti2(root, jpegQuality);
    case 'kitti':
      return kitti(root);
  }
}
