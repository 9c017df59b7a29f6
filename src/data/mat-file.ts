// Reading the numeric arrays of a MATLAB MAT-file (Level 5, the format of MATLAB 5 to 7.x and of scipy.io.savemat),
// from MathWorks' "MAT-File Format" description: a 128-byte header, then data elements (tag + data, 8-byte aligned,
// small elements packed into their tag), miCOMPRESSED elements holding a zlib stream of one element, and miMATRIX
// elements holding array flags, dimensions, name and the real part. Enough for GTA5's split.mat (trainIds, valIds,
// testIds); cells, structs, sparse and complex arrays are skipped.
import * as fs from 'node:fs/promises';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { DataError } from './errors.js';

const inflate = promisify(zlib.inflate);

const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
/** How to read one value of each numeric data type (miINT8 .. miUINT64), and its size in bytes. */
const MI_GET: Record<
  number,
  'getInt8' | 'getUint8' | 'getInt16' | 'getUint16' | 'getInt32' | 'getUint32' | 'getFloat32' | 'getFloat64' | 'getBigInt64' | 'getBigUint64'
> = {
  1: 'getInt8',
  2: 'getUint8',
  3: 'getInt16',
  4: 'getUint16',
  5: 'getInt32',
  6: 'getUint32',
  7: 'getFloat32',
  9: 'getFloat64',
  12: 'getBigInt64',
  13: 'getBigUint64',
};
const MI_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };
/** Numeric array classes (mxDOUBLE_CLASS .. mxUINT64_CLASS). */
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

interface Element {
  type: number;
  data: Buffer;
  /** Offset of the next element. */
  next: number;
}

/** The numeric arrays (by variable name, values in MATLAB's column-major order) of the MAT-file `file`. */
export async function readMatNumericArrays(file: string): Promise<Map<string, number[]>> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `MAT-file missing: ${file}` : `cannot read MAT-file ${file}: ${(e as Error).message}`);
  }
  const fail = (why: string): never => {
    throw new DataError(`MAT-file ${file}: ${why}`);
  };
  if (bytes.length < 128) fail(`${bytes.length} bytes, shorter than the 128-byte MAT-file header`);
  const text = bytes.toString('latin1', 0, 116);
  if (text.startsWith('MATLAB 7.3')) fail('is a MATLAB 7.3 (HDF5) file; save it as a Level 5 MAT-file (MATLAB: save(..., "-v7"))');
  const mark = bytes.toString('latin1', 126, 128);
  if (mark !== 'IM' && mark !== 'MI') fail(`no Level 5 MAT-file header (endian indicator ${JSON.stringify(mark)}, expected "IM" or "MI")`);
  const le = mark === 'IM';
  const u32 = (b: Buffer, at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));

  /** The data element at `at` of `b` (`where` names it for errors). */
  const element = (b: Buffer, at: number, where: string): Element => {
    if (at + 8 > b.length) fail(`${where}: truncated element tag at byte ${at}`);
    const first = u32(b, at);
    if (first >>> 16 !== 0) {
      // small data element: size in the upper 16 bits, up to 4 bytes of data inside the tag
      const size = first >>> 16;
      if (size > 4) fail(`${where}: small element at byte ${at} claims ${size} bytes`);
      return { type: first & 0xffff, data: b.subarray(at + 4, at + 4 + size), next: at + 8 };
    }
    const size = u32(b, at + 4);
    if (at + 8 + size > b.length) fail(`${where}: element at byte ${at} (${size} bytes) runs past the end`);
    // compressed elements are not padded; all others end on an 8-byte boundary
    const next = first === MI_COMPRESSED ? at + 8 + size : at + 8 + Math.ceil(size / 8) * 8;
    return { type: first, data: b.subarray(at + 8, at + 8 + size), next };
  };

  const values = (el: Element, where: string): number[] => {
    const get = MI_GET[el.type];
    if (get === undefined) return fail(`${where}: data type ${el.type} is not numeric`);
    const view = new DataView(el.data.buffer, el.data.byteOffset, el.data.length);
    const size = MI_SIZE[el.type]!;
    return Array.from({ length: Math.floor(el.data.length / size) }, (_, i) => Number(view[get](i * size, le)));
  };

  const arrays = new Map<string, number[]>();
  /** Reads one miMATRIX element's contents; numeric, real arrays are kept. */
  const matrix = (b: Buffer, where: string): void => {
    const flags = element(b, 0, where);
    if (flags.data.length < 8) fail(`${where}: array flags of ${flags.data.length} bytes`);
    const cls = u32(flags.data, 0) & 0xff;
    const complex = (u32(flags.data, 0) & 0x800) !== 0;
    const dims = element(b, flags.next, where);
    const name = element(b, dims.next, where);
    const varName = name.data.toString('latin1');
    if (!NUMERIC_CLASSES.has(cls) || complex) return;
    const real = element(b, name.next, `${where} (${varName})`);
    arrays.set(varName, values(real, `${where} (${varName})`));
  };

  for (let at = 128; at + 8 <= bytes.length; ) {
    const el = element(bytes, at, `element at byte ${at}`);
    if (el.type === MI_COMPRESSED) {
      let inner: Buffer;
      try {
        inner = await inflate(el.data);
      } catch (e) {
        return fail(`compressed element at byte ${at} does not inflate: ${(e as Error).message}`);
      }
      const m = element(inner, 0, `compressed element at byte ${at}`);
      if (m.type === MI_MATRIX) matrix(m.data, `compressed element at byte ${at}`);
    } else if (el.type === MI_MATRIX) matrix(el.data, `element at byte ${at}`);
    at = el.next;
  }
  return arrays;
}
