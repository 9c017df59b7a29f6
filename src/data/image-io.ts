// Decoding image and label files to raw buffers with sharp, with errors that name the file.
import * as fs from 'node:fs';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { DataError } from './errors.js';

/** A decoded raster: `channels` interleaved uint8 samples per pixel, row-major. */
export interface Raster {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** What a file is, for error messages. */
export type FileRole = 'image' | 'label';

/** How an encoded image is named in errors: its path, or its size when it came as bytes. */
const describeSource = (file: string | Uint8Array): string => (typeof file === 'string' ? file : `<${file.length}-byte buffer>`);

async function decode(file: string | Uint8Array, role: FileRole, pipeline: (s: Sharp) => Sharp, check?: (m: Metadata) => string | null): Promise<Raster> {
  let raster: Raster;
  let problem: string | null = null;
  try {
    // ignoreIcc: label colours must come out exactly as stored, never colour-managed
    const s = sharp(file, { ignoreIcc: true });
    if (check) problem = check(await s.metadata());
    const { data, info } = await pipeline(s).raw().toBuffer({ resolveWithObject: true });
    raster = { data, width: info.width, height: info.height, channels: info.channels };
  } catch (e) {
    if (typeof file === 'string' && !fs.existsSync(file)) throw new DataError(`${role} file missing: ${file}`);
    throw new DataError(`corrupt or unreadable ${role} file ${describeSource(file)}: ${(e as Error).message}`);
  }
  if (problem) throw new DataError(`${role} file ${describeSource(file)}: ${problem}`);
  return raster;
}

// Converting a 16-bit label to 8 bits would rescale its colours or ids into wrong ones.
const eightBit = (m: Metadata): string | null =>
  m.depth === 'uchar' ? null : `is a ${m.depth === 'ushort' ? '16' : m.depth}-bit image; labels must be 8 bits per channel`;

/**
 * Decodes any image sharp reads (PNG, JPEG, ...), from a file or from its encoded bytes, to 3-channel RGB (alpha
 * dropped, grey expanded); labels must be 8-bit.
 */
export function readRgb(file: string | Uint8Array, role: FileRole): Promise<Raster> {
  return decode(file, role, (s) => s.removeAlpha().toColourspace('srgb'), role === 'label' ? eightBit : undefined);
}

/**
 * Decodes an 8-bit image of label ids (KITTI `semantic/`: single-channel per the devkit). Grey stored as RGB(A) is
 * accepted when R = G = B everywhere; anything else is refused naming the file: a colour image (e.g.
 * `semantic_rgb/`) or a 16-bit one (e.g. `instance/`) would otherwise decode to wrong ids.
 */
export async function readLabelIds(file: string, role: FileRole): Promise<Raster> {
  let grey = true;
  // decode() runs the check (which sets `grey`) before it builds the pipeline
  const pipeline = (s: Sharp): Sharp => (grey ? s.extractChannel(0) : s.removeAlpha().toColourspace('srgb'));
  const raw = await decode(file, role, pipeline, (m) => {
    grey = m.channels === 1;
    return m.depth === 'uchar'
      ? null
      : `is a ${m.depth === 'ushort' ? '16' : m.depth}-bit image; expected an 8-bit PNG of label ids (instance/ files are 16-bit)`;
  });
  if (grey) return raw;
  const c = raw.channels;
  const d = raw.data;
  for (let i = 0, j = 0; j < d.length; i++, j += c) {
    if (d[j] !== d[j + 1] || d[j] !== d[j + 2]) {
      throw new DataError(
        `${role} file ${file}: pixel (x=${i % raw.width}, y=${Math.floor(i / raw.width)}) has colour (${d[j]}, ${d[j + 1]}, ${d[j + 2]}); ` +
          'expected label ids (a single-channel 8-bit PNG, or grey stored as RGB); a colour file such as semantic_rgb/ is not one',
      );
    }
  }
  return { data: takeChannel(raw), width: raw.width, height: raw.height, channels: 1 };
}

/** A decoded 16-bit raster: `channels` interleaved uint16 samples per pixel, row-major. */
export interface Raster16 {
  data: Uint16Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Decodes a 16-bit RGB(A) label image keeping every sample as stored (SYNTHIA `GT/LABELS`). sharp would otherwise
 * convert it to 8 bits (v >> 8), turning small ids into 0. Anything but a 16-bit file with 3 or 4 channels is
 * refused naming the file, with `expected` saying what the reader needs.
 */
export async function readLabel16(file: string, role: FileRole, expected: string): Promise<Raster16> {
  const raw = await decode(
    file,
    role,
    (s) => s.toColourspace('rgb16').raw({ depth: 'ushort' }),
    (m) =>
      m.depth === 'ushort' && m.channels >= 3
        ? null
        : `is a ${m.depth === 'uchar' ? '8' : m.depth === 'ushort' ? '16' : m.depth}-bit image with ${m.channels} channel(s); ${expected}`,
  );
  const own = raw.data.byteOffset % 2 === 0 ? raw.data : Buffer.from(raw.data);
  return { data: new Uint16Array(own.buffer, own.byteOffset, own.length >> 1), width: raw.width, height: raw.height, channels: raw.channels };
}

/** Channel 0 of an interleaved raster. */
function takeChannel(r: Raster): Buffer {
  const out = Buffer.allocUnsafe(r.width * r.height);
  for (let i = 0, j = 0; i < out.length; i++, j += r.channels) out[i] = r.data[j]!;
  return out;
}
