// Tiny dataset trees in the three layouts, written with sharp, with the expected labels.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

/** A fresh temp dir; remove with rmTmp. */
export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
}

/** Removes a temp dir made by tmpDir. */
export function rmTmp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Deterministic pseudo-random RGB bytes. */
export function noise(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let s = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** Writes raw 1- or 3-channel pixels as a PNG (grey PNG for 1 channel), creating directories. */
export async function writePng(file: string, data: Buffer, width: number, height: number, channels: 1 | 3): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let s = sharp(data, { raw: { width, height, channels } });
  if (channels === 1) s = s.toColourspace('b-w');
  await s.png({ compressionLevel: 1 }).toFile(file);
}

type RGB = [number, number, number];

/** VKITTI 1.3.1 colours of the non-instance categories. */
export const VK1_BASE: Record<string, RGB> = {
  Terrain: [210, 0, 200],
  Sky: [90, 200, 255],
  Tree: [0, 199, 0],
  Vegetation: [90, 240, 0],
  Building: [140, 140, 140],
  Road: [100, 60, 100],
  GuardRail: [255, 100, 255],
  TrafficSign: [255, 255, 0],
  TrafficLight: [200, 200, 0],
  Pole: [255, 130, 0],
  Misc: [80, 80, 80],
  Truck: [160, 60, 60],
};

/** What a fixture sample should load as. */
export interface Expected {
  /** Native category name per pixel (VKITTI) or Cityscapes id (KITTI). */
  native: (string | number)[];
  image: Buffer;
  width: number;
  height: number;
}

const VK1_ENTRIES = (world: number, variation: number): [string, RGB][] => [
  ...Object.entries(VK1_BASE),
  ['Car:0', [200, 10 + world, 10 + variation]],
  ['Car:1', [201, 10 + world, 10 + variation]],
  ['Van:0', [202, 10 + world, 10 + variation]],
];

// The published headers: `Category(:id) r g b` in 1.3.1 encoding files, `Category r g b` in 2.x colors.txt.
function tableText(header: string, entries: [string, RGB][]): string {
  return `${header}\n${entries.map(([n, c]) => `${n} ${c.join(' ')}`).join('\n')}\n`;
}

/** Writes a VKITTI 1.3.1 tree; returns expected content by sample id. */
export async function writeVKitti1(
  root: string,
  o: { worlds?: string[]; variations?: string[]; frames?: number; width?: number; height?: number } = {},
): Promise<Map<string, Expected>> {
  const { worlds = ['0001', '0002'], variations = ['clone', 'fog'], frames = 3, width = 12, height = 8 } = o;
  const out = new Map<string, Expected>();
  for (const [wi, world] of worlds.entries()) {
    for (const [vi, variation] of variations.entries()) {
      const entries = VK1_ENTRIES(wi, vi);
      const gt = path.join(root, 'vkitti_1.3.1_scenegt');
      fs.mkdirSync(gt, { recursive: true });
      fs.writeFileSync(path.join(gt, `${world}_${variation}_scenegt_rgb_encoding.txt`), tableText('Category(:id) r g b', entries));
      for (let f = 0; f < frames; f++) {
        const name = `${String(f).padStart(5, '0')}.png`;
        const image = noise(width * height * 3, wi * 1000 + vi * 100 + f);
        const lab = Buffer.alloc(width * height * 3);
        const native: string[] = [];
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const [n, c] = entries[(x + 3 * y + f) % entries.length]!;
            native.push(n.split(':')[0]!);
            c.forEach((v, k) => {
              lab[(y * width + x) * 3 + k] = v;
            });
          }
        }
        await writePng(path.join(root, 'vkitti_1.3.1_rgb', world, variation, name), image, width, height, 3);
        await writePng(path.join(gt, world, variation, name), lab, width, height, 3);
        out.set(`${world}/${variation}/${name.slice(0, 5)}`, { native, image, width, height });
      }
    }
  }
  return out;
}

const VK2_ENTRIES: [string, RGB][] = [
  ...Object.entries(VK1_BASE).map(([n, c]): [string, RGB] => [n, n === 'GuardRail' ? [250, 100, 255] : c]),
  ['Car', [255, 127, 80]],
  ['Van', [0, 139, 139]],
  ['Undefined', [0, 0, 0]],
];

/** Writes a VKITTI 2 tree (JPEG images, so image bytes are not compared); returns expected labels by id. */
export async function writeVKitti2(
  root: string,
  o: { scenes?: string[]; variations?: string[]; frames?: number; width?: number; height?: number } = {},
): Promise<Map<string, Expected>> {
  const { scenes = ['Scene01', 'Scene02'], variations = ['clone', 'morning'], frames = 2, width = 10, height = 6 } = o;
  const out = new Map<string, Expected>();
  for (const [si, scene] of scenes.entries()) {
    for (const variation of variations) {
      const base = path.join(root, scene, variation);
      fs.mkdirSync(base, { recursive: true });
      fs.writeFileSync(path.join(base, 'colors.txt'), tableText('Category r g b', VK2_ENTRIES));
      for (let f = 0; f < frames; f++) {
        const num = String(f).padStart(5, '0');
        const image = noise(width * height * 3, si * 10 + f);
        const lab = Buffer.alloc(width * height * 3);
        const native: string[] = [];
        for (let i = 0; i < width * height; i++) {
          const [n, c] = VK2_ENTRIES[(i + f) % VK2_ENTRIES.length]!;
          native.push(n);
          c.forEach((v, k) => {
            lab[i * 3 + k] = v;
          });
        }
        const imgFile = path.join(base, 'frames', 'rgb', 'Camera_0', `rgb_${num}.jpg`);
        fs.mkdirSync(path.dirname(imgFile), { recursive: true });
        await sharp(image, { raw: { width, height, channels: 3 } })
          .jpeg()
          .toFile(imgFile);
        await writePng(path.join(base, 'frames', 'classSegmentation', 'Camera_0', `classgt_${num}.png`), lab, width, height, 3);
        out.set(`${scene}/${variation}/Camera_0/${num}`, { native, image, width, height });
      }
    }
  }
  return out;
}

/** Cityscapes ids the KITTI fixture cycles through (mapped ones, unmapped ones). */
export const KITTI_IDS = [7, 11, 17, 19, 20, 21, 22, 23, 26, 27, 0, 8, 24, 33];

/** Writes a KITTI semantic tree; returns expected ids by sample id. */
export async function writeKitti(root: string, o: { count?: number; width?: number; height?: number } = {}): Promise<Map<string, Expected>> {
  const { count = 3, width = 14, height = 5 } = o;
  const out = new Map<string, Expected>();
  for (let k = 0; k < count; k++) {
    const id = `${String(k).padStart(6, '0')}_10`;
    const image = noise(width * height * 3, 500 + k);
    const lab = Buffer.alloc(width * height);
    for (let i = 0; i < lab.length; i++) lab[i] = KITTI_IDS[(i + k) % KITTI_IDS.length]!;
    await writePng(path.join(root, 'training', 'image_2', `${id}.png`), image, width, height, 3);
    await writePng(path.join(root, 'training', 'semantic', `${id}.png`), lab, width, height, 1);
    out.set(id, { native: [...lab], image, width, height });
  }
  return out;
}
