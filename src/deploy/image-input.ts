// What Segmenter accepts as an image, and its decoding to raw RGB.
import { readRgb } from '../data/image-io.js';

/** Raw RGB pixels: `width * height * 3` bytes, row-major, interleaved. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** An image file's path, an encoded image (PNG, JPEG, ... bytes) or raw RGB pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** Checks a raw image's size against its byte count; throws naming the mismatch. */
export function checkRawImage(img: RawImage): RawImage {
  const { width, height } = img;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`image: width and height must be positive integers, got ${width}x${height}`);
  }
  if (img.data.length !== width * height * 3) {
    throw new Error(`image: ${width}x${height} RGB needs ${width * height * 3} bytes, got ${img.data.length}`);
  }
  return img;
}

/** Decodes a path or encoded bytes to raw RGB (alpha dropped, grey expanded); raw RGB is checked and passed through. */
export async function decodeImage(input: ImageInput): Promise<RawImage> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const r = await readRgb(input, 'image');
    return { data: r.data, width: r.width, height: r.height };
  }
  return checkRawImage(input);
}
