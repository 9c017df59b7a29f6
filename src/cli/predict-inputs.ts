// What `shapeseg predict` reads: image paths from files, folders (their images, sorted) and globs; `HxW` sizes.
import fs from 'node:fs';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** File extensions taken from a folder (the formats sharp decodes). */
const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?|gif|avif)$/i;

/** Expands files, folders (their images, sorted by name) and glob patterns (matches sorted) into image paths, in argument order. */
export async function expandImagePaths(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    const stat = fs.statSync(arg, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      const files = fs
        .readdirSync(arg)
        .filter((f) => IMAGE_EXT.test(f))
        .sort();
      if (files.length === 0) throw new Error(`${arg}: the folder holds no images (${IMAGE_EXT.source})`);
      out.push(...files.map((f) => path.join(arg, f)));
    } else if (stat) out.push(arg);
    else if (isDynamicPattern(arg)) {
      const files = (await glob(arg, { onlyFiles: true, expandDirectories: false })).sort();
      if (files.length === 0) throw new Error(`${arg}: the pattern matches no files`);
      out.push(...files);
    } else throw new Error(`${arg}: no such file, folder or pattern`);
  }
  return out;
}

/** `HxW` (or one number for both) → [h, w] positive integers; throws naming `flag`. */
export function parseSize2(text: string, flag: string): [number, number] {
  const parts = text.toLowerCase().split('x').map(Number);
  const [h, w] = parts.length === 1 ? [parts[0]!, parts[0]!] : parts;
  if (parts.length > 2 || !Number.isInteger(h) || !Number.isInteger(w) || h! <= 0 || w! <= 0) {
    throw new Error(`${flag}: expected HxW in pixels (e.g. 512x1024) or one size, got ${JSON.stringify(text)}`);
  }
  return [h!, w!];
}
