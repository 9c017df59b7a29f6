// The formula-driven classification set: N categories × M instances, each instance's shape drawn once (and kept),
// each image painted afresh. The last instances of every category are held out to measure accuracy on shapes
// the network has not seen, so the score says whether it learnt the category rather than the instance.
import { hashSeed, Rng } from '../synth/prng.js';
import { DEFAULT_IFS_SEARCH, type FractalInstance, generateCategory, generateInstance, type Ifs, type IfsSearchOptions } from './ifs.js';
import { drawMask, PLAIN_VIEW, paintImage, type View } from './render.js';

/** What the set is drawn from. */
export interface FractalSetOptions {
  categories: number;
  instances: number;
  /** Instances per category held out (the last ones). */
  heldOutInstances: number;
  /** Image side, pixels. */
  size: number;
  seed: number;
  search?: IfsSearchOptions;
}

/** A batch of images (uint8, N × 3 × size × size) and their category labels. */
export interface ImageBatch {
  images: Uint8Array;
  labels: Int32Array;
}

/** The categories, their instances and masks (made on first use, then kept) and the image painters. */
export class FractalSet {
  readonly size: number;
  readonly trainInstances: number;
  private readonly categoryCache: Array<Ifs | undefined>;
  private readonly masks = new Map<number, Uint8Array>();

  constructor(readonly o: FractalSetOptions) {
    this.size = o.size;
    this.trainInstances = o.instances - o.heldOutInstances;
    if (this.trainInstances < 1 || o.heldOutInstances < 0) {
      throw new Error(`FractalSet: ${o.heldOutInstances} held-out instances of ${o.instances} leave none to train on`);
    }
    this.categoryCache = new Array<Ifs | undefined>(o.categories);
  }

  /** Category `c`'s system. */
  category(c: number): Ifs {
    let ifs = this.categoryCache[c];
    if (ifs === undefined) {
      ifs = generateCategory(this.o.seed, c, this.o.search ?? DEFAULT_IFS_SEARCH);
      this.categoryCache[c] = ifs;
    }
    return ifs;
  }

  /** Instance `i` of category `c`. */
  instance(c: number, i: number): FractalInstance {
    return generateInstance(this.category(c), this.o.seed, c, i, this.o.search ?? DEFAULT_IFS_SEARCH);
  }

  /** Instance `i` of category `c` as a mask (made once: masks are size² bytes each). */
  mask(c: number, i: number): Uint8Array {
    const key = c * this.o.instances + i;
    let m = this.masks.get(key);
    if (m === undefined) {
      m = drawMask(this.instance(c, i), this.size);
      this.masks.set(key, m);
    }
    return m;
  }

  /** Paints instance `i` of category `c` into image slot `slot` of `out`, textures drawn from `rng`. */
  paint(c: number, i: number, rng: Rng, view: View, out: Uint8Array, slot: number): void {
    paintImage(this.mask(c, i), this.size, rng, view, out, slot * 3 * this.size * this.size);
  }

  /** A training batch: random categories and training instances, each shifted by up to size/8 and maybe mirrored. */
  trainBatch(rng: Rng, batch: number): ImageBatch {
    const images = new Uint8Array(batch * 3 * this.size * this.size);
    const labels = new Int32Array(batch);
    const shift = Math.floor(this.size / 8);
    for (let n = 0; n < batch; n++) {
      const c = rng.int(0, this.o.categories - 1);
      const i = rng.int(0, this.trainInstances - 1);
      labels[n] = c;
      this.paint(c, i, rng, { dx: rng.int(-shift, shift), dy: rng.int(-shift, shift), flip: rng.chance(0.5) }, images, n);
    }
    return { images, labels };
  }

  /** Up to `limit` held-out images (instance by instance across the categories), painted from a fixed seed. */
  heldOut(limit: number): ImageBatch {
    const pairs: Array<[number, number]> = [];
    for (let i = this.trainInstances; i < this.o.instances && pairs.length < limit; i++) {
      for (let c = 0; c < this.o.categories && pairs.length < limit; c++) pairs.push([c, i]);
    }
    const rng = new Rng(hashSeed(this.o.seed, 'fractal-held-out'));
    const images = new Uint8Array(pairs.length * 3 * this.size * this.size);
    const labels = new Int32Array(pairs.length);
    pairs.forEach(([c, i], n) => {
      labels[n] = c;
      this.paint(c, i, rng, PLAIN_VIEW, images, n);
    });
    return { images, labels };
  }
}
