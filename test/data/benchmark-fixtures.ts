// Tiny Cityscapes, GTA5 and SYNTHIA-RAND-CITYSCAPES trees written the way their publishers (and the public loaders
// of the real files) describe them, with docs/datasets.md citing the sources; independent of src/synth. Palette and
// 16-bit label files are written by test/data/png-writer.ts, images with sharp.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import * as zlib from 'node:zlib';
import type { Dataset } from '../../src/data/dataset.js';
import { noise, rmTmp, tmpDir, writePng } from './fixtures.js';
import { writeEncodedPng } from './png-writer.js';

type RGB = readonly [number, number, number];

/** cityscapesScripts labels.py colours by label id 0..33 (pole 17 and polegroup 18 share one, as do ids 0..4). */
export const CITYSCAPES_COLORS: readonly RGB[] = [
  [0, 0, 0],
  [0, 0, 0],
  [0, 0, 0],
  [0, 0, 0],
  [0, 0, 0],
  [111, 74, 0],
  [81, 0, 81],
  [128, 64, 128],
  [244, 35, 232],
  [250, 170, 160],
  [230, 150, 140],
  [70, 70, 70],
  [102, 102, 156],
  [190, 153, 153],
  [180, 165, 180],
  [150, 100, 100],
  [150, 120, 90],
  [153, 153, 153],
  [153, 153, 153],
  [250, 170, 30],
  [220, 220, 0],
  [107, 142, 35],
  [152, 251, 152],
  [70, 130, 180],
  [220, 20, 60],
  [255, 0, 0],
  [0, 0, 142],
  [0, 0, 70],
  [0, 60, 100],
  [0, 0, 90],
  [0, 0, 110],
  [0, 80, 100],
  [0, 0, 230],
  [119, 11, 32],
];

/** What one fixture sample must load as: the native id of every pixel (Cityscapes label id or SYNTHIA class id). */
export interface NativeSample {
  ids: number[];
  /** The RGB bytes of the image file. */
  image: Buffer;
  width: number;
  height: number;
}

/** A fixture tree for a describe block: written into a temp dir before its tests, removed after them. */
export function fixtureTree(write: (root: string) => Promise<Map<string, NativeSample>>): { root: string; exp: Map<string, NativeSample> } {
  const tree = { root: '', exp: new Map<string, NativeSample>() };
  before(async () => {
    tree.root = tmpDir();
    tree.exp = await write(tree.root);
  });
  after(() => rmTmp(tree.root));
  return tree;
}

/** Runs `fn` on a scratch tree written by `write` into a temp dir, removed afterwards. */
export async function withTree(write: (root: string) => Promise<unknown>, fn: (root: string) => Promise<void>): Promise<void> {
  const root = tmpDir();
  try {
    await write(root);
    await fn(root);
  } finally {
    rmTmp(root);
  }
}

/** Loads every sample of `ds` and checks it against what the fixture wrote (`lut`: native id -> class index); returns the ids seen. */
export async function checkNativeSamples(ds: Dataset, exp: Map<string, NativeSample>, lut: ArrayLike<number>): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < ds.length; i++) {
    const s = await ds.load(i);
    const e = exp.get(s.id);
    assert.ok(e, `unexpected sample ${s.id}`);
    assert.deepEqual([s.width, s.height], [e.width, e.height]);
    assert.ok(s.image.equals(e.image), `${s.id}: image bytes differ`);
    assert.deepEqual(
      [...s.label],
      e.ids.map((id) => lut[id]!),
      `${s.id}: labels differ`,
    );
    for (const id of e.ids) seen.add(id);
  }
  return seen;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** `count` ids cycling through `ids` from `shift`, so every id occurs in an image of at least ids.length pixels. */
function cycle(ids: readonly number[], count: number, shift: number): number[] {
  return Array.from({ length: count }, (_, i) => ids[(i + shift) % ids.length]!);
}

const ALL_CITYSCAPES_IDS = Array.from({ length: 34 }, (_, i) => i);

/**
 * Cityscapes (cityscapesScripts README, "Dataset Structure"): `leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png`
 * (8-bit RGB), `gtFine/<split>/<city>/` with `_gtFine_labelIds.png` (8-bit grey label ids), `_gtFine_color.png`
 * (RGBA colours), `_gtFine_instanceIds.png` (16-bit: id * 1000 + instance for classes with instances) and
 * `_gtFine_polygons.json`; gtFine/test only marks ego vehicle (1), rectification border (2) and out of roi (3).
 */
export async function writePublishedCityscapes(root: string, o: { width?: number; height?: number } = {}): Promise<Map<string, NativeSample>> {
  const { width = 8, height = 5 } = o;
  const frames: [string, string, number][] = [
    ['train', 'aachen', 0],
    ['train', 'aachen', 1],
    ['train', 'bochum', 7],
    ['val', 'frankfurt', 0],
    ['test', 'berlin', 0],
  ];
  const out = new Map<string, NativeSample>();
  for (const [k, [split, city, seq]] of frames.entries()) {
    const stem = `${city}_${pad(seq, 6)}_${pad(19, 6)}`;
    const image = noise(width * height * 3, 300 + k);
    const ids = split === 'test' ? cycle([0, 1, 2, 3], width * height, 0) : cycle(ALL_CITYSCAPES_IDS, width * height, k * 3);
    await writePng(path.join(root, 'leftImg8bit', split, city, `${stem}_leftImg8bit.png`), image, width, height, 3);
    const gt = path.join(root, 'gtFine', split, city, stem);
    writeEncodedPng(`${gt}_gtFine_labelIds.png`, { width, height, colorType: 0, bitDepth: 8, samples: ids });
    writeEncodedPng(`${gt}_gtFine_color.png`, {
      width,
      height,
      colorType: 6,
      bitDepth: 8,
      samples: ids.flatMap((id) => [...CITYSCAPES_COLORS[id]!, 255]),
    });
    writeEncodedPng(`${gt}_gtFine_instanceIds.png`, {
      width,
      height,
      colorType: 0,
      bitDepth: 16,
      samples: ids.map((id, i) => (id >= 24 ? id * 1000 + (i % 3) : id)),
    });
    fs.writeFileSync(`${gt}_gtFine_polygons.json`, JSON.stringify({ imgHeight: height, imgWidth: width, objects: [] }));
    out.set(stem, { ids, image, width, height });
  }
  return out;
}

/**
 * GTA5 ("Playing for Data" release, as its public loaders read it): `images/NNNNN.png` (8-bit RGB) and
 * `labels/NNNNN.png`, 8-bit palette PNGs whose palette index is the Cityscapes label id and whose palette holds the
 * labels.py colours (so pole and polegroup look alike). `frames` are the frame numbers written; `labelSize` gives a
 * frame's label another size than its image, as in the release's few mismatched pairs.
 */
export async function writePublishedGta5(
  root: string,
  o: { frames?: number[]; width?: number; height?: number; labelSize?: Record<number, [number, number]> } = {},
): Promise<Map<string, NativeSample>> {
  const { frames = [1, 2, 3, 4, 5, 6], width = 8, height = 5 } = o;
  const out = new Map<string, NativeSample>();
  for (const f of frames) {
    const name = pad(f, 5);
    const image = noise(width * height * 3, 500 + f);
    await writePng(path.join(root, 'images', `${name}.png`), image, width, height, 3);
    const [lw, lh] = o.labelSize?.[f] ?? [width, height];
    const ids = cycle(ALL_CITYSCAPES_IDS, lw * lh, f * 5);
    // the compressed stream split over several IDAT chunks, as encoders of large images do
    writeEncodedPng(path.join(root, 'labels', `${name}.png`), {
      width: lw,
      height: lh,
      colorType: 3,
      bitDepth: 8,
      samples: ids,
      palette: CITYSCAPES_COLORS,
      idatSize: 16,
    });
    out.set(name, { ids, image, width: lw, height: lh });
  }
  return out;
}

/**
 * SYNTHIA-RAND-CITYSCAPES (its README and the loaders that read the labels with cv2.IMREAD_UNCHANGED): `RGB/NNNNNNN.png`
 * (8-bit RGB), `GT/LABELS/NNNNNNN.png` 16-bit RGB PNGs with the class id (0..22, stored as is) in the first channel
 * and the instance id in the second, and `GT/COLOR/NNNNNNN.png` 8-bit colour renderings. Instance ids here run past
 * 255, so a decoder that reads the wrong channel or drops to 8 bits gives other ids.
 */
export async function writePublishedSynthia(root: string, o: { frames?: number; width?: number; height?: number } = {}): Promise<Map<string, NativeSample>> {
  const { frames = 2, width = 6, height = 4 } = o;
  const out = new Map<string, NativeSample>();
  const all = Array.from({ length: 23 }, (_, i) => i);
  for (let f = 0; f < frames; f++) {
    const name = pad(f, 7);
    const image = noise(width * height * 3, 700 + f);
    await writePng(path.join(root, 'RGB', `${name}.png`), image, width, height, 3);
    const ids = cycle(all, width * height, f * 7);
    // instance ids of cars and pedestrians (ids 8, 10): 256 and up, so an 8-bit decode changes them; within 16 bits at any size
    const samples = ids.flatMap((id, i) => [id, id === 8 || id === 10 ? 256 + ((37 * i) % 65280) : 0, 0]);
    writeEncodedPng(path.join(root, 'GT', 'LABELS', `${name}.png`), { width, height, colorType: 2, bitDepth: 16, samples });
    await writePng(path.join(root, 'GT', 'COLOR', `${name}.png`), noise(width * height * 3, 800 + f), width, height, 3);
    out.set(name, { ids, image, width, height });
  }
  return out;
}

/** A numeric variable of a MAT-file fixture. */
export interface MatVariable {
  name: string;
  values: readonly number[];
  /** The stored data type: MATLAB keeps whole doubles in the smallest integer type that holds them. */
  store: 'double' | 'uint16' | 'uint8';
}

/**
 * A Level 5 MAT-file (MathWorks "MAT-File Format"): 128-byte header ("MATLAB 5.0 MAT-file", version 0x0100, "IM"),
 * one miMATRIX element per variable (a double column vector), each zlib-compressed (miCOMPRESSED, as MATLAB 7 and
 * scipy's do_compression write them) unless `compress` is false. Data of 4 bytes or less uses the small element format.
 */
export function writeMatFile(file: string, vars: readonly MatVariable[], o: { compress?: boolean } = {}): void {
  const tag = (type: number, data: Buffer): Buffer => {
    if (data.length <= 4 && data.length > 0) {
      const b = Buffer.alloc(8);
      b.writeUInt32LE((data.length << 16) | type, 0);
      data.copy(b, 4);
      return b;
    }
    const b = Buffer.alloc(8 + Math.ceil(data.length / 8) * 8);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(data.length, 4);
    data.copy(b, 8);
    return b;
  };
  const header = Buffer.alloc(128, ' ');
  header.write('MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024', 0, 'latin1');
  header.fill(0, 116, 124);
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  const parts = [header];
  for (const v of vars) {
    const flags = Buffer.alloc(8);
    flags.writeUInt32LE(6, 0); // mxDOUBLE_CLASS, no flags
    const dims = Buffer.alloc(8);
    dims.writeInt32LE(v.values.length, 0);
    dims.writeInt32LE(1, 4);
    const size = v.store === 'double' ? 8 : v.store === 'uint16' ? 2 : 1;
    const real = Buffer.alloc(v.values.length * size);
    v.values.forEach((x, i) => {
      if (v.store === 'double') real.writeDoubleLE(x, i * 8);
      else if (v.store === 'uint16') real.writeUInt16LE(x, i * 2);
      else real.writeUInt8(x, i);
    });
    const body = Buffer.concat([
      tag(6, flags),
      tag(5, dims),
      tag(1, Buffer.from(v.name, 'latin1')),
      tag(v.store === 'double' ? 9 : v.store === 'uint16' ? 4 : 2, real),
    ]);
    const matrix = Buffer.alloc(8);
    matrix.writeUInt32LE(14, 0);
    matrix.writeUInt32LE(body.length, 4);
    const element = Buffer.concat([matrix, body]);
    if (o.compress === false) parts.push(element);
    else {
      const z = zlib.deflateSync(element);
      const head = Buffer.alloc(8);
      head.writeUInt32LE(15, 0);
      head.writeUInt32LE(z.length, 4);
      parts.push(head, z);
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat(parts));
}
