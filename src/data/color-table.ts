// VKITTI colour tables (1.3.1 `*_scenegt_rgb_encoding.txt`, 2.x `colors.txt`) and the colour -> class-index decoder.
import * as fs from 'node:fs/promises';
import { DataError } from './errors.js';
import { IGNORE_INDEX } from './label-spaces.js';

/** One line of a colour table: the category (instance suffix `:N` removed) and its colour. */
export interface ColorEntry {
  category: string;
  /** As written, e.g. `Car:12`. */
  raw: string;
  rgb: readonly [number, number, number];
  line: number;
}

/** What to do with a label pixel whose colour (or id) is in no table: throw, or map it to 255. */
export type UnknownPolicy = 'error' | 'ignore';

/**
 * The header lines the publishers write: Virtual KITTI 1.3.1's `*_scenegt_rgb_encoding.txt` files start with
 * `Category(:id) r g b` (the `(:id)` announces the `Car:12` instance suffixes), Virtual KITTI 2's `colors.txt`
 * with `Category r g b` (docs/datasets.md cites both). Either is accepted in either layout.
 */
export const COLOR_TABLE_HEADERS = ['Category(:id) r g b', 'Category r g b'] as const;

// A category name with an optional instance suffix (`Car`, `Car:12`, `Van:3`).
const CATEGORY = /^([A-Za-z][A-Za-z0-9_-]*)(?::(\d+))?$/;

/**
 * Parses a VKITTI colour table: a header line (one of COLOR_TABLE_HEADERS), then `Category r g b` lines.
 * Fields may be separated by any run of spaces or tabs; CRLF line ends, a UTF-8 byte-order mark, trailing
 * whitespace and blank lines are tolerated. Errors name the file and line.
 */
export function parseColorTable(text: string, file: string): ColorEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const entries: ColorEntry[] = [];
  let sawHeader = false;
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') continue;
    if (!sawHeader) {
      if (!(COLOR_TABLE_HEADERS as readonly string[]).includes(parts.join(' '))) {
        throw new DataError(
          `${file}:${i + 1}: expected a header line ${COLOR_TABLE_HEADERS.map((h) => JSON.stringify(h)).join(' or ')}, got ${JSON.stringify(lines[i])}`,
        );
      }
      sawHeader = true;
      continue;
    }
    const nums = parts.slice(1).map(Number);
    const name = CATEGORY.exec(parts[0]!);
    if (parts.length !== 4 || !name || nums.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
      throw new DataError(`${file}:${i + 1}: expected "Category r g b" or "Category:instance r g b" with r,g,b in 0..255, got ${JSON.stringify(lines[i])}`);
    }
    entries.push({ category: name[1]!, raw: parts[0]!, rgb: [nums[0]!, nums[1]!, nums[2]!], line: i + 1 });
  }
  if (!sawHeader) throw new DataError(`${file}: empty colour table (expected a "${COLOR_TABLE_HEADERS[0]}" or "${COLOR_TABLE_HEADERS[1]}" header and lines)`);
  return entries;
}

/** Reads and parses a colour table file; a missing file is named. */
export async function readColorTable(file: string): Promise<ColorEntry[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `colour table missing: ${file}` : `cannot read colour table ${file}: ${(e as Error).message}`);
  }
  return parseColorTable(text, file);
}

const EMPTY = -1;

/**
 * Colour -> class index via a small open-addressing hash table in typed arrays (24-bit packed RGB keys),
 * built once per colour table; decode() is one pass with no per-pixel allocation.
 */
export class ColorDecoder {
  private readonly keys: Int32Array;
  private readonly vals: Uint8Array;
  private readonly shift: number;

  /** `mapping` gives each entry's class index (IGNORE_INDEX allowed); `file` names the table in errors. */
  constructor(
    entries: readonly ColorEntry[],
    mapping: ReadonlyMap<string, number>,
    readonly file: string,
  ) {
    let bits = 4;
    while (1 << bits < entries.length * 4) bits++;
    this.shift = 32 - bits;
    this.keys = new Int32Array(1 << bits).fill(EMPTY);
    this.vals = new Uint8Array(1 << bits);
    const seen = new Map<number, ColorEntry>();
    for (const e of entries) {
      const idx = mapping.get(e.category);
      if (idx === undefined) {
        throw new DataError(`${file}:${e.line}: unknown category ${JSON.stringify(e.category)}; known: ${[...mapping.keys()].join(', ')}`);
      }
      const key = (e.rgb[0] << 16) | (e.rgb[1] << 8) | e.rgb[2];
      const prev = seen.get(key);
      if (prev) {
        if (mapping.get(prev.category) !== idx) {
          throw new DataError(`${file}: colour ${e.rgb.join(',')} is both ${prev.raw} (line ${prev.line}) and ${e.raw} (line ${e.line})`);
        }
        continue;
      }
      seen.set(key, e);
      this.insert(key, idx);
    }
  }

  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let h = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.keys[h] !== EMPTY && this.keys[h] !== key) h = (h + 1) & mask;
    return h;
  }

  private insert(key: number, val: number): void {
    const h = this.slot(key);
    this.keys[h] = key;
    this.vals[h] = val;
  }

  /** Class index of a colour, or -1 if the table lacks it. */
  lookup(r: number, g: number, b: number): number {
    const key = (r << 16) | (g << 8) | b;
    const h = this.slot(key);
    return this.keys[h] === key ? this.vals[h]! : -1;
  }

  /**
   * Decodes an RGB(3-channel) label buffer into class indices. Unknown colours throw a DataError naming
   * `labelFile`, the pixel (x,y) and the colour, or become IGNORE_INDEX under policy 'ignore'.
   */
  decode(rgb: Uint8Array, width: number, height: number, labelFile: string, policy: UnknownPolicy): Buffer {
    const n = width * height;
    if (rgb.length !== n * 3) throw new DataError(`${labelFile}: expected ${n * 3} RGB bytes, got ${rgb.length}`);
    const out = Buffer.allocUnsafe(n);
    const keys = this.keys;
    const vals = this.vals;
    const mask = keys.length - 1;
    const shift = this.shift;
    let lastKey = -1;
    let lastVal = 0;
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      const key = (rgb[j]! << 16) | (rgb[j + 1]! << 8) | rgb[j + 2]!;
      if (key !== lastKey) {
        let h = Math.imul(key, 0x9e3779b1) >>> shift;
        let k = keys[h];
        while (k !== key && k !== EMPTY) {
          h = (h + 1) & mask;
          k = keys[h];
        }
        if (k === key) lastVal = vals[h]!;
        else if (policy === 'ignore') lastVal = IGNORE_INDEX;
        else {
          throw new DataError(
            `${labelFile}: pixel (x=${i % width}, y=${Math.floor(i / width)}) has colour (${rgb[j]}, ${rgb[j + 1]}, ${rgb[j + 2]}) ` +
              `that is not in the colour table ${this.file} (set unknownColor: 'ignore' to map such pixels to ${IGNORE_INDEX})`,
          );
        }
        lastKey = key;
      }
      out[i] = lastVal;
    }
    return out;
  }
}
