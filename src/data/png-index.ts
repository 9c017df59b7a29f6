// Reading the stored sample values of an 8-bit palette or grey PNG: the palette index, not the colour it stands
// for. sharp (libvips) expands a palette to RGB, which loses the index when several indices share a colour and
// makes every reader compare colours; label formats whose ids are palette indices (Mapillary Vistas, GTA5) need
// the index itself, as PIL's `np.array(Image.open(f))` gives it.
import * as fs from 'node:fs/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { DataError } from './errors.js';
import type { FileRole, Raster } from './image-io.js';

const inflate = promisify(zlib.inflate);

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// PNG's chunk CRC is zlib's CRC-32; Node has it from 20.15 / 22.2 (engines allows 20.9: older ones skip the check,
// and a corrupt IDAT still fails to inflate)
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const COLOR_TYPES: Record<number, string> = { 0: 'grey', 2: 'RGB', 3: 'palette', 4: 'grey+alpha', 6: 'RGBA' };

/** What a PNG holds according to its header. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  interlace: number;
}

/**
 * Decodes a PNG whose samples are class ids: a palette PNG (colour type 3, 1/2/4/8 bits) gives its indices, an 8-bit
 * grey PNG its grey values; one byte per pixel either way. Anything else (RGB, alpha, 16-bit, interlaced, a broken
 * chunk) is refused naming the file, since it would not decode to ids.
 */
export async function readPngIndices(file: string, role: FileRole): Promise<Raster> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `${role} file missing: ${file}` : `cannot read ${role} file ${file}: ${(e as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new DataError(`${role} file ${file}: ${what}`);
  };
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(SIGNATURE)) fail('not a PNG file (no PNG signature)');
  let header: PngHeader | null = null;
  const idat: Buffer[] = [];
  let end = false;
  for (let pos = 8; !end; ) {
    if (pos + 12 > bytes.length) fail(`truncated PNG: chunk at byte ${pos} runs past the end of the file (no IEND)`);
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + length > bytes.length) fail(`truncated PNG: ${type} chunk at byte ${pos} runs past the end of the file`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32 && crc32(bytes.subarray(pos + 4, pos + 8 + length)) >>> 0 !== bytes.readUInt32BE(pos + 8 + length))
      fail(`${type} chunk at byte ${pos} has a wrong CRC`);
    if (type === 'IHDR') {
      if (length !== 13) fail(`IHDR chunk has length ${length}, expected 13`);
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8]!, colorType: data[9]!, interlace: data[12]! };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') end = true;
    pos += 12 + length;
  }
  if (!header) return fail('no IHDR chunk');
  const { width, height, bitDepth, colorType, interlace } = header;
  const palette = colorType === 3 && [1, 2, 4, 8].includes(bitDepth);
  if (!(palette || (colorType === 0 && bitDepth === 8))) {
    fail(
      `is a PNG of colour type ${COLOR_TYPES[colorType] ?? colorType}, ${bitDepth} bits per sample; expected class ids as an 8-bit palette PNG ` +
        '(the index is the id) or an 8-bit grey PNG',
    );
  }
  if (interlace !== 0) fail('is an interlaced (Adam7) PNG; only non-interlaced label PNGs are read');
  if (width === 0 || height === 0) fail(`has size ${width}x${height}`);
  let raw: Buffer;
  try {
    raw = await inflate(Buffer.concat(idat));
  } catch (e) {
    return fail(`corrupt image data: ${(e as Error).message}`);
  }
  const stride = Math.ceil((width * bitDepth) / 8);
  if (raw.length < height * (stride + 1)) fail(`image data holds ${raw.length} bytes, expected ${height * (stride + 1)} for ${width}x${height}`);
  const rows = unfilter(raw, stride, height, (y, f) => fail(`row ${y} has unknown filter type ${f}`));
  return { data: unpack(rows, width, height, stride, bitDepth), width, height, channels: 1 };
}

/** Undoes PNG's per-row filters (one byte per pixel step: palette and 8-bit grey have bpp 1). */
function unfilter(raw: Buffer, stride: number, height: number, bad: (y: number, f: number) => never): Buffer {
  const out = Buffer.alloc(stride * height);
  const zero = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : zero;
    // one loop per filter type: large labels (Mapillary's are up to ~4000x3000) keep the branch out of the pixel loop
    if (f === 0) src.copy(row);
    else if (f === 1) for (let x = 0; x < stride; x++) row[x] = (src[x]! + (x > 0 ? row[x - 1]! : 0)) & 0xff;
    else if (f === 2) for (let x = 0; x < stride; x++) row[x] = (src[x]! + up[x]!) & 0xff;
    else if (f === 3) for (let x = 0; x < stride; x++) row[x] = (src[x]! + (((x > 0 ? row[x - 1]! : 0) + up[x]!) >> 1)) & 0xff;
    else if (f === 4) {
      for (let x = 0; x < stride; x++) {
        const a = x > 0 ? row[x - 1]! : 0;
        const b = up[x]!;
        const c = x > 0 ? up[x - 1]! : 0;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        row[x] = (src[x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
    } else bad(y, f);
  }
  return out;
}

/** One byte per pixel from rows packed at `bitDepth` bits (most significant bits first). */
function unpack(rows: Buffer, width: number, height: number, stride: number, bitDepth: number): Buffer {
  if (bitDepth === 8) return rows;
  const out = Buffer.allocUnsafe(width * height);
  const perByte = 8 / bitDepth;
  const mask = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = rows[y * stride + Math.floor(x / perByte)]!;
      out[y * width + x] = (byte >> (8 - bitDepth * ((x % perByte) + 1))) & mask;
    }
  }
  return out;
}
