// A folder of style images (for FDA and AdaIN), decoded once and kept on the training device as uint8.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRgb } from '../data/image-io.js';
import type { Rng } from '../data/rng.js';
import { type Device, F, fromBuffer, keep, type Tensor, tensor, tidy } from '../tensor/index.js';
import { permutation } from './random.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff']);

/** Style images on the device; sample() resizes random picks to the batch's size. */
export class StyleBank {
  private constructor(
    /** Where the images came from (named in errors). */
    readonly dir: string,
    private readonly images: Tensor[],
  ) {}

  /** Decodes every image file directly in `dir` (sorted by name, so picks are reproducible). */
  static async load(dir: string, device: Device, field: string): Promise<StyleBank> {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${field}: not a directory: ${dir}`);
    const files = fs
      .readdirSync(dir)
      .filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()))
      .sort();
    if (files.length === 0) throw new Error(`${field}: no image files (${[...IMAGE_EXTENSIONS].join(', ')}) in ${dir}`);
    const images: Tensor[] = [];
    try {
      for (const f of files) {
        const r = await readRgb(path.join(dir, f), 'image');
        images.push(keep(tidy(() => fromBuffer(r.data, [r.height, r.width, 3], 'uint8', { device }).permute([2, 0, 1]).contiguous())));
      }
    } catch (e) {
      for (const t of images) t.dispose();
      throw e;
    }
    return new StyleBank(dir, images);
  }

  /** Number of style images. */
  get count(): number {
    return this.images.length;
  }

  /** n random style images (with replacement), bilinearly resized to size, as float N,3,H,W in [0, 1]. */
  sample(rng: Rng, n: number, size: [number, number]): Tensor {
    return tidy(() => {
      const picks = Array.from({ length: n }, () => this.images[rng.int(this.images.length)]!);
      const resized = picks.map((img) => F.interpolate(img.float().unsqueeze(0), { size }, 'bilinear', false));
      return F.cat(resized, 0).div_(255);
    });
  }

  dispose(): void {
    for (const t of this.images) t.dispose();
  }
}

/** A random partner for each of n images, never itself when n > 1: successors along a random cycle. */
function partners(rng: Rng, n: number): number[] {
  const cycle = permutation(rng, n);
  const out = new Array<number>(n);
  cycle.forEach((v, i) => {
    out[v] = cycle[(i + 1) % n]!;
  });
  return out;
}

/** One style image per image of the batch: from the bank, or (no bank) another image of the batch. */
export function styleImages(styles: StyleBank | null, images: Tensor, rng: Rng): Tensor {
  const [n, , h, w] = images.shape as [number, number, number, number];
  if (styles) return styles.sample(rng, n, [h, w]);
  return images.indexSelect(0, tensor(partners(rng, n), [n], { device: images.device, dtype: 'int64' }));
}
