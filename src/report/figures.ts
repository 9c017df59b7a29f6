// Qualitative figures: rows of image | ground truth | prediction | error map, composed
// with sharp into one PNG. Text-free on purpose: captions belong in the HTML/paper.
import sharp, { type OverlayOptions } from 'sharp';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { colorize, errorMap, overlay, type Palette, type Rgb } from './colorize.js';

/** An HWC RGB picture in memory. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A grid cell: photos resize smoothly, masks with nearest neighbour (no invented colours). */
export interface Tile extends RgbImage {
  kind: 'photo' | 'mask';
}

/** Layout of `composeGrid`. */
export interface GridOptions {
  /** Width every tile is scaled to (height keeps the aspect ratio). Default 480. */
  tileWidth?: number;
  /** Gap between tiles and around the border, px. Default 4. */
  gap?: number;
  background?: Rgb;
}

/** One example: the photo, optional ground truth, and the predicted label map (HW class indices). */
export interface Example {
  image: Uint8Array;
  label?: Uint8Array | null;
  pred: Uint8Array;
  width: number;
  height: number;
}

function checkSize(img: RgbImage, what: string): void {
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`${what}: ${img.data.length} bytes is not ${img.width}x${img.height}x3`);
  }
}

/** Scales an RGB picture to `width` keeping the aspect ratio. */
export async function resizeTile(tile: Tile, width: number): Promise<RgbImage> {
  checkSize(tile, 'resizeTile');
  const height = Math.max(1, Math.round((tile.height * width) / tile.width));
  if (width === tile.width && height === tile.height) return tile;
  const data = await sharp(tile.data, { raw: { width: tile.width, height: tile.height, channels: 3 } })
    .resize(width, height, { kernel: tile.kind === 'mask' ? 'nearest' : 'lanczos3', fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data, width, height };
}

/** Lays rows of tiles out on one canvas (each row as tall as its tallest tile). */
export async function composeGrid(rows: Tile[][], opts: GridOptions = {}): Promise<RgbImage> {
  const tw = opts.tileWidth ?? 480;
  const gap = opts.gap ?? 4;
  const bg = opts.background ?? [255, 255, 255];
  if (rows.length === 0 || rows.some((r) => r.length === 0)) throw new Error('composeGrid: needs at least one row and one tile per row');
  const scaled = await Promise.all(rows.map((r) => Promise.all(r.map((t) => resizeTile(t, tw)))));
  const cols = Math.max(...scaled.map((r) => r.length));
  const width = cols * tw + (cols + 1) * gap;
  const rowHeights = scaled.map((r) => Math.max(...r.map((t) => t.height)));
  const height = rowHeights.reduce((a, b) => a + b, 0) + (rows.length + 1) * gap;
  const layers: OverlayOptions[] = [];
  let top = gap;
  scaled.forEach((r, i) => {
    r.forEach((t, j) => {
      layers.push({
        input: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        raw: { width: t.width, height: t.height, channels: 3 },
        left: gap + j * (tw + gap),
        top,
      });
    });
    top += rowHeights[i]! + gap;
  });
  const data = await sharp({ create: { width, height, channels: 3, background: { r: bg[0], g: bg[1], b: bg[2] } } })
    .composite(layers)
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data, width, height };
}

/** The tiles of one example: image | ground truth | prediction | error map, or image | prediction | overlay without ground truth. */
export function exampleRow(ex: Example, palette: Palette, alpha = 0.5): Tile[] {
  const { width, height } = ex;
  const n = width * height;
  if (ex.image.length !== n * 3) throw new Error(`exampleRow: image has ${ex.image.length} bytes, expected ${width}x${height}x3`);
  if (ex.pred.length !== n) throw new Error(`exampleRow: prediction has ${ex.pred.length} pixels, expected ${width}x${height}`);
  if (ex.label && ex.label.length !== n) throw new Error(`exampleRow: label has ${ex.label.length} pixels, expected ${width}x${height}`);
  const tile = (data: Uint8Array, kind: Tile['kind']): Tile => ({ data, width, height, kind });
  const pred = tile(colorize(ex.pred, palette), 'mask');
  if (!ex.label) return [tile(ex.image, 'photo'), pred, tile(overlay(ex.image, ex.pred, palette, alpha), 'photo')];
  return [tile(ex.image, 'photo'), tile(colorize(ex.label, palette), 'mask'), pred, tile(errorMap(ex.label, ex.pred), 'mask')];
}

/** Encodes an RGB picture as PNG. */
export function encodePng(img: RgbImage): Promise<Buffer> {
  checkSize(img, 'encodePng');
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
}

/** Writes a PNG atomically (temp file + rename), creating the folder. */
export async function writePng(file: string, img: RgbImage): Promise<void> {
  await writeFileAtomicAsync(file, await encodePng(img));
}

/** Builds and writes the grid figure of several examples (one row each). */
export async function writeExampleGrid(file: string, examples: Example[], palette: Palette, opts: GridOptions = {}): Promise<RgbImage> {
  const grid = await composeGrid(
    examples.map((e) => exampleRow(e, palette)),
    opts,
  );
  await writePng(file, grid);
  return grid;
}

/** `n` indices spread evenly over [0, count) (all of them when n >= count). */
export function evenlySpaced(count: number, n: number): number[] {
  if (n <= 0 || count <= 0) return [];
  if (n >= count) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * count) / n));
}
