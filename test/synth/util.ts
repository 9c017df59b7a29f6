/** Shared helpers for the synth tests: temp dirs, file listings and PNG decoding. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

/** Creates a temp dir and returns it with a cleanup function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** All files under root, as sorted paths relative to root with '/' separators. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** Decoded image pixels. */
export interface Decoded {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** Decodes an image file to raw pixels; greyscale PNGs (colour type 0) come back with one channel. */
export async function decode(file: string): Promise<Decoded> {
  const head = fs.readFileSync(file).subarray(0, 26);
  const grey = head.subarray(1, 4).toString('latin1') === 'PNG' && head[25] === 0;
  const img = grey ? sharp(file).extractChannel(0) : sharp(file);
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}
