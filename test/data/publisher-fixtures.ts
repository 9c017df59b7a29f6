// Tiny dataset trees written the way each publisher documents its release (docs/datasets.md cites the
// sources), independently of src/synth, so the readers are tested against the published formats and not
// against our own writer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp, { type CreateRaw } from 'sharp';
import { noise, writePng } from './fixtures.js';

type RGB = readonly [number, number, number];

/** First line of a Virtual KITTI 1.3.1 `<world>_<variation>_scenegt_rgb_encoding.txt`. */
export const VKITTI1_HEADER = 'Category(:id) r g b';
/** First line of a Virtual KITTI 2 `colors.txt`. */
export const VKITTI2_HEADER = 'Category r g b';

/** Virtual KITTI 1.3.1 colours of the categories without instances, in the published order. */
export const VKITTI1_COLORS: readonly (readonly [string, RGB])[] = [
  ['Terrain', [210, 0, 200]],
  ['Sky', [90, 200, 255]],
  ['Tree', [0, 199, 0]],
  ['Vegetation', [90, 240, 0]],
  ['Building', [140, 140, 140]],
  ['Road', [100, 60, 100]],
  ['GuardRail', [255, 100, 255]],
  ['TrafficSign', [255, 255, 0]],
  ['TrafficLight', [200, 200, 0]],
  ['Pole', [255, 130, 0]],
  ['Misc', [80, 80, 80]],
  ['Truck', [160, 60, 60]],
];

/** Virtual KITTI 2 `colors.txt` entries, in the published order (GuardRail is 250, not 255, here). */
export const VKITTI2_COLORS: readonly (readonly [string, RGB])[] = [
  ['Terrain', [210, 0, 200]],
  ['Sky', [90, 200, 255]],
  ['Tree', [0, 199, 0]],
  ['Vegetation', [90, 240, 0]],
  ['Building', [140, 140, 140]],
  ['Road', [100, 60, 100]],
  ['GuardRail', [250, 100, 255]],
  ['TrafficSign', [255, 255, 0]],
  ['TrafficLight', [200, 200, 0]],
  ['Pole', [255, 130, 0]],
  ['Misc', [80, 80, 80]],
  ['Truck', [160, 60, 60]],
  ['Car', [255, 127, 80]],
  ['Van', [0, 139, 139]],
  ['Undefined', [0, 0, 0]],
];

/** Cityscapes label ids (and their colours in `semantic_rgb`) the KITTI fixture paints, mapped and unmapped ones. */
export const KITTI_PALETTE: readonly (readonly [number, RGB])[] = [
  [7, [128, 64, 128]],
  [11, [70, 70, 70]],
  [17, [153, 153, 153]],
  [19, [250, 170, 30]],
  [20, [220, 220, 0]],
  [21, [107, 142, 35]],
  [22, [152, 251, 152]],
  [23, [70, 130, 180]],
  [26, [0, 0, 142]],
  [27, [0, 0, 70]],
  [0, [0, 0, 0]],
  [8, [244, 35, 232]],
  [24, [220, 20, 60]],
  [33, [119, 11, 32]],
];

/** What one fixture sample must load as. */
export interface PublishedSample {
  /** Per pixel: the native category name (VKITTI, instance suffix dropped) or Cityscapes id (KITTI). */
  native: (string | number)[];
  /** The RGB bytes written (PNG images only; JPEG ones are lossy). */
  image: Buffer | null;
  width: number;
  height: number;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function writeText(file: string, header: string, entries: readonly (readonly [string, RGB])[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${header}\n${entries.map(([n, c]) => `${n} ${c.join(' ')}`).join('\n')}\n`);
}

/** Paints entries in a diagonal pattern shifted by `shift`: every entry appears in a big enough image. */
function paint<K>(entries: readonly (readonly [K, RGB])[], width: number, height: number, shift: number): { rgb: Buffer; keys: K[] } {
  const rgb = Buffer.alloc(width * height * 3);
  const keys: K[] = [];
  for (let i = 0; i < width * height; i++) {
    const [k, c] = entries[((i % width) + Math.floor(i / width) * 2 + shift) % entries.length]!;
    keys.push(k);
    rgb.set(c, i * 3);
  }
  return { rgb, keys };
}

/** Options shared by the writers. */
export interface TreeOptions {
  frames?: number;
  width?: number;
  height?: number;
}

/**
 * Virtual KITTI 1.3.1 (README_rgb.txt and the scenegt encoding files): `vkitti_1.3.1_rgb/<world>/<variation>/%05d.png`
 * (8-bit RGB), `vkitti_1.3.1_scenegt/<world>/<variation>/%05d.png` and
 * `vkitti_1.3.1_scenegt/<world>_<variation>_scenegt_rgb_encoding.txt` with `Car:<id>` / `Van:<id>` instance lines.
 */
export async function writePublishedVKitti1(
  root: string,
  o: TreeOptions & { worlds?: string[]; variations?: string[] } = {},
): Promise<Map<string, PublishedSample>> {
  const { worlds = ['0001', '0020'], variations = ['clone', '15-deg-left'], frames = 2, width = 10, height = 6 } = o;
  const out = new Map<string, PublishedSample>();
  for (const [wi, world] of worlds.entries()) {
    for (const [vi, variation] of variations.entries()) {
      // instance colours differ per sequence, as in the release
      const instances: [string, RGB][] = [
        ['Car:0', [200, 200, 200]],
        ['Car:12', [201, 30 + wi, 40 + vi]],
        ['Van:3', [202, 30 + wi, 40 + vi]],
      ];
      const entries = [...VKITTI1_COLORS, ...instances];
      writeText(path.join(root, 'vkitti_1.3.1_scenegt', `${world}_${variation}_scenegt_rgb_encoding.txt`), VKITTI1_HEADER, entries);
      for (let f = 0; f < frames; f++) {
        const name = `${pad(f, 5)}.png`;
        const image = noise(width * height * 3, 7000 + wi * 100 + vi * 10 + f);
        const { rgb, keys } = paint(entries, width, height, f + vi);
        await writePng(path.join(root, 'vkitti_1.3.1_rgb', world, variation, name), image, width, height, 3);
        await writePng(path.join(root, 'vkitti_1.3.1_scenegt', world, variation, name), rgb, width, height, 3);
        out.set(`${world}/${variation}/${pad(f, 5)}`, { native: keys.map((k) => k.split(':')[0]!), image, width, height });
      }
    }
  }
  return out;
}

/**
 * Virtual KITTI 2 (README "Format Description"): `SceneX/Y/frames/rgb/Camera_Z/rgb_%05d.jpg`,
 * `SceneX/Y/frames/classSegmentation/Camera_Z/classgt_%05d.png` (RGB), `SceneX/Y/colors.txt`. `archives: true`
 * leaves each kind in the directory of its archive (`vkitti_2.0.3_rgb/`, `vkitti_2.0.3_classSegmentation/`,
 * `vkitti_2.0.3_textgt/`); `classDir` is the class directory's spelling (the README writes `classsegmentation`).
 */
export async function writePublishedVKitti2(
  root: string,
  o: TreeOptions & { scenes?: string[]; variations?: string[]; archives?: boolean; classDir?: string } = {},
): Promise<Map<string, PublishedSample>> {
  const { scenes = ['Scene01', 'Scene20'], variations = ['clone', 'fog'], frames = 2, width = 10, height = 6 } = o;
  const dir = (kind: string): string => (o.archives ? path.join(root, `vkitti_2.0.3_${kind}`) : root);
  const out = new Map<string, PublishedSample>();
  for (const [si, scene] of scenes.entries()) {
    for (const [vi, variation] of variations.entries()) {
      writeText(path.join(dir('textgt'), scene, variation, 'colors.txt'), VKITTI2_HEADER, VKITTI2_COLORS);
      for (let f = 0; f < frames; f++) {
        const num = pad(f, 5);
        for (const camera of ['Camera_0', 'Camera_1']) {
          const { rgb, keys } = paint(VKITTI2_COLORS, width, height, si + vi + f + (camera === 'Camera_1' ? 1 : 0));
          const imgFile = path.join(dir('rgb'), scene, variation, 'frames', 'rgb', camera, `rgb_${num}.jpg`);
          fs.mkdirSync(path.dirname(imgFile), { recursive: true });
          await sharp(noise(width * height * 3, si * 100 + vi * 10 + f), { raw: { width, height, channels: 3 } })
            .jpeg()
            .toFile(imgFile);
          const classDir = o.classDir ?? 'classSegmentation';
          await writePng(path.join(dir('classSegmentation'), scene, variation, 'frames', classDir, camera, `classgt_${num}.png`), rgb, width, height, 3);
          out.set(`${scene}/${variation}/${camera}/${num}`, { native: keys, image: null, width, height });
        }
      }
    }
  }
  return out;
}

/** Writes a single-channel 16-bit PNG. */
async function writePng16(file: string, values: Uint16Array, width: number, height: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const raw = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  // sharp reads 16-bit raw input, but this version's typings do not declare `depth`
  const rawOpts = { width, height, channels: 1, depth: 'ushort' } as unknown as CreateRaw;
  await sharp(raw, { raw: rawOpts }).toColourspace('grey16').png().toFile(file);
}

/**
 * KITTI semantic segmentation 2015 (devkit_semantics README): `training/image_2/<id>_10.png` (RGB),
 * `training/semantic/` (single-channel uint8 Cityscapes label ids), `training/semantic_rgb/` (Cityscapes colours),
 * `training/instance/` (uint16: id * 256 + instance), and `testing/image_2/`.
 */
export async function writePublishedKitti(root: string, o: { count?: number; width?: number; height?: number } = {}): Promise<Map<string, PublishedSample>> {
  const { count = 2, width = 12, height = 5 } = o;
  const out = new Map<string, PublishedSample>();
  for (let k = 0; k < count; k++) {
    const name = `${pad(k, 6)}_10.png`;
    const image = noise(width * height * 3, 900 + k);
    const { rgb, keys } = paint(KITTI_PALETTE, width, height, k);
    const ids = Buffer.from(keys);
    const instance = new Uint16Array(keys.length);
    keys.forEach((id, i) => {
      instance[i] = id * 256 + (id === 26 ? 1 + (i % 2) : 0);
    });
    await writePng(path.join(root, 'training', 'image_2', name), image, width, height, 3);
    await writePng(path.join(root, 'training', 'semantic', name), ids, width, height, 1);
    await writePng(path.join(root, 'training', 'semantic_rgb', name), rgb, width, height, 3);
    await writePng16(path.join(root, 'training', 'instance', name), instance, width, height);
    await writePng(path.join(root, 'testing', 'image_2', name), noise(width * height * 3, 950 + k), width, height, 3);
    out.set(`${pad(k, 6)}_10`, { native: keys, image, width, height });
  }
  return out;
}
