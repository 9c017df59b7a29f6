// Decoding image and label files to raw buffers with sharp, with errors that name the file.
import * as fs from 'node:fs';
import sharp, { type Sharp } from 'sharp';
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

async function decode(file: string, role: FileRole, pipeline: (s: Sharp) => Sharp): Promise<Raster> {
  try {
    // ignoreIcc: label colours must come out exactly as stored, never colour-managed
    const { data, info } = await pipeline(sharp(file, { ignoreIcc: true })).raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (e) {
    if (!fs.existsSync(file)) throw new DataError(`${role} file missing: ${file}`);
    throw new DataError(`corrupt or unreadable ${role} file ${file}: ${(e as Error).message}`);
  }
}

/** Decodes any image sharp reads (PNG, JPEG, ...) to 3-channel RGB (alpha dropped, grey expanded). */
export function readRgb(file: string, role: FileRole): Promise<Raster> {
  return decode(file, role, (s) => s.removeAlpha().toColourspace('srgb'));
}

/** Decodes the first channel of an image (grey-level label ids). */
export function readFirstChannel(file: string, role: FileRole): Promise<Raster> {
  return decode(file, role, (s) => s.extractChannel(0));
}
