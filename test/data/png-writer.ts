// A PNG encoder written from the PNG specification (W3C, "Portable Network Graphics (PNG) Specification",
// sections 5 chunks, 7 filtering, 11 IHDR/PLTE/IDAT), for fixtures sharp cannot write: palette PNGs with a
// chosen palette (GTA5 labels) and 16-bit RGB (SYNTHIA labels). Rows cycle through the five filter types so a
// decoder is exercised on all of them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

type RGB = readonly [number, number, number];

/** PNG colour types: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
export type PngColorType = 0 | 2 | 3 | 4 | 6;

/** What to encode: one sample per channel per pixel, row-major, each in 0..2^bitDepth-1. */
export interface PngImage {
  width: number;
  height: number;
  colorType: PngColorType;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  samples: ArrayLike<number>;
  /** PLTE entries (colour type 3). */
  palette?: readonly RGB[];
  /** Filter type of row y (default y % 5). */
  filterOf?: (y: number) => 0 | 1 | 2 | 3 | 4;
  /** Split the compressed stream over IDAT chunks of at most this many bytes (default one chunk). */
  idatSize?: number;
}

const CHANNELS: Record<PngColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The raw (unfiltered) bytes of row y: samples packed MSB first, 16-bit big-endian. */
function packRow(img: PngImage, y: number, rowBytes: number): Buffer {
  const ch = CHANNELS[img.colorType];
  const row = Buffer.alloc(rowBytes);
  const n = img.width * ch;
  for (let i = 0; i < n; i++) {
    const v = img.samples[y * n + i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < 2 ** img.bitDepth)) throw new Error(`sample ${v} does not fit ${img.bitDepth} bits`);
    if (img.bitDepth === 16) row.writeUInt16BE(v, 2 * i);
    else if (img.bitDepth === 8) row[i] = v;
    else {
      const bit = i * img.bitDepth;
      row[bit >> 3]! |= v << (8 - img.bitDepth - (bit & 7));
    }
  }
  return row;
}

/** Encodes `img` as PNG bytes. */
export function encodePng(img: PngImage): Buffer {
  const ch = CHANNELS[img.colorType];
  const bpp = Math.max(1, (ch * img.bitDepth) >> 3);
  const rowBytes = Math.ceil((img.width * ch * img.bitDepth) / 8);
  const filtered = Buffer.alloc(img.height * (rowBytes + 1));
  let prev: Buffer = Buffer.alloc(rowBytes);
  for (let y = 0; y < img.height; y++) {
    const raw = packRow(img, y, rowBytes);
    const f = img.filterOf ? img.filterOf(y) : ((y % 5) as 0 | 1 | 2 | 3 | 4);
    const o = y * (rowBytes + 1);
    filtered[o] = f;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? raw[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
      filtered[o + 1 + i] = (raw[i]! - pred) & 0xff;
    }
    prev = raw;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = img.bitDepth;
  ihdr[9] = img.colorType;
  const parts = [Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)];
  if (img.palette) parts.push(chunk('PLTE', Buffer.from(img.palette.flat())));
  const z = zlib.deflateSync(filtered);
  const size = img.idatSize ?? z.length;
  for (let at = 0; at < z.length; at += size) parts.push(chunk('IDAT', z.subarray(at, at + size)));
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** Writes `img` as a PNG file, creating directories. */
export function writeEncodedPng(file: string, img: PngImage): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodePng(img));
}
