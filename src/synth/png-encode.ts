// A small PNG encoder for the label files sharp cannot write as their publishers do: palette PNGs with a given
// palette (GTA5's labels: the index is the Cityscapes label id) and 16-bit greyscale or RGB (Cityscapes
// instanceIds, SYNTHIA's GT/LABELS). PNG specification (W3C, 2nd ed.): 5.3 chunk layout, 11.2.2 IHDR,
// 11.2.3 PLTE, 11.2.4 IDAT; every row is written with filter type 0 (None), which every decoder reads.
import * as zlib from 'node:zlib';
import { crc32 } from '../io/crc32.js';

/** PNG colour types written here: 0 greyscale, 2 RGB, 3 palette index. */
export type PngColorType = 0 | 2 | 3;

/** An image to encode: `samples` row-major, one per channel per pixel, each below 2^bitDepth. */
export interface PngImage {
  readonly width: number;
  readonly height: number;
  readonly colorType: PngColorType;
  readonly bitDepth: 8 | 16;
  readonly samples: ArrayLike<number>;
  /** PLTE entries for colour type 3 (at most 256). */
  readonly palette?: ReadonlyArray<readonly [number, number, number]>;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const CHANNELS: Record<PngColorType, number> = { 0: 1, 2: 3, 3: 1 };

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes `img` as a PNG file's bytes; throws naming the problem when the samples do not fit the header. */
export function encodePng(img: PngImage): Buffer {
  const { width, height, colorType, bitDepth } = img;
  const channels = CHANNELS[colorType];
  if (img.samples.length !== width * height * channels) {
    throw new Error(`encodePng: ${img.samples.length} samples for ${width}x${height} with ${channels} channel(s)`);
  }
  if (colorType === 3 && (bitDepth !== 8 || !img.palette || img.palette.length === 0 || img.palette.length > 256)) {
    throw new Error('encodePng: a palette PNG needs bit depth 8 and 1..256 palette entries');
  }
  const bytesPerSample = bitDepth / 8;
  const stride = 1 + width * channels * bytesPerSample;
  const raw = Buffer.alloc(stride * height); // each row: filter byte 0, then the samples big-endian
  const max = 2 ** bitDepth - 1;
  let k = 0;
  for (let y = 0; y < height; y++) {
    let o = y * stride + 1;
    for (let x = 0; x < width * channels; x++) {
      const v = img.samples[k++]!;
      if (!(v >= 0 && v <= max && Number.isInteger(v))) throw new Error(`encodePng: sample ${k - 1} is ${v}, not an integer in 0..${max}`);
      if (bytesPerSample === 2) raw.writeUInt16BE(v, o);
      else raw[o] = v;
      o += bytesPerSample;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colorType, 0, 0, 0], 8); // compression 0, filter method 0, no interlace
  const parts = [SIGNATURE, chunk('IHDR', ihdr)];
  if (img.palette) parts.push(chunk('PLTE', Buffer.from(img.palette.flat())));
  parts.push(chunk('IDAT', zlib.deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
