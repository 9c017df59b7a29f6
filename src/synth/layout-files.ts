// File writers shared by the synthetic layouts (src/synth/layouts.ts, src/synth/benchmark-layouts.ts).
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { WriteTask } from './layouts.js';
import { encodePng, type PngImage } from './png-encode.js';

/** Zero-padded decimal (frame numbers in file names). */
export const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** An 8-bit greyscale or RGB PNG written by sharp. */
export function pngTask(file: string, data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): WriteTask {
  return {
    path: file,
    write: async () => {
      const img = sharp(data, { raw: { width, height, channels } });
      // without the explicit colourspace sharp would write a single band as an RGB PNG
      await (channels === 1 ? img.toColourspace('b-w') : img).png({ compressionLevel: 6 }).toFile(file);
    },
  };
}

/** A text file of `lines`. */
export function textTask(file: string, lines: readonly string[]): WriteTask {
  return {
    path: file,
    write: async () => {
      await writeFile(file, `${lines.join('\n')}\n`);
    },
  };
}

/** A PNG sharp cannot write (palette with a given palette, 16-bit samples), through encodePng. */
export function rawPngTask(file: string, img: PngImage): WriteTask {
  return { path: file, write: () => writeFile(file, encodePng(img)) };
}
