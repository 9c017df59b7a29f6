// Seeded training augmentations on raw HWC/HW buffers.
//
// Geometry (scale, crop/pad, flip) is planned, not executed: each transform edits per-axis maps from
// output pixels to the scaled image, and one pass at the end samples the source (bilinear with
// half-pixel centres for images = torch interpolate(align_corners=False) / PIL upscaling, nearest
// with half-pixel centres for labels, so both stay aligned). Only the crop's pixels are computed, and
// the result equals scaling the whole image, then cropping, then flipping. sharp is not used here
// because its upsampling aligns pixel corners and its nearest and linear kernels disagree on
// non-integer scales, which would misalign labels and images.
import type { Sample } from './dataset.js';
import { IGNORE_INDEX, type RGB } from './label-spaces.js';
import type { Rng } from './rng.js';

/** ImageNet mean colour in 0..255 (round(255 * (0.485, 0.456, 0.406))), the image padding fill. */
export const IMAGENET_MEAN_RGB: RGB = [124, 116, 104];

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** A sample with deferred geometry: output (y, x) shows scaled pixel (rows[y], cols[x]), -1 = padding. */
export class PlannedSample {
  /** Size of the resampled source domain. */
  scaledHeight: number;
  scaledWidth: number;
  rows: Int32Array;
  cols: Int32Array;
  imageFill: RGB = IMAGENET_MEAN_RGB;
  labelFill = IGNORE_INDEX;

  constructor(readonly source: Sample) {
    this.scaledHeight = source.height;
    this.scaledWidth = source.width;
    this.rows = identity(source.height);
    this.cols = identity(source.width);
  }

  get height(): number {
    return this.rows.length;
  }

  get width(): number {
    return this.cols.length;
  }

  /** True when the plan shows the whole scaled image unflipped and unpadded. */
  isFullView(): boolean {
    const full = (m: Int32Array, n: number) => m.length === n && m.every((v, i) => v === i);
    return full(this.rows, this.scaledHeight) && full(this.cols, this.scaledWidth);
  }

  /** Executes the plan in one pass over the output pixels. */
  materialize(): Sample {
    const src = this.source;
    if (this.isFullView() && this.scaledHeight === src.height && this.scaledWidth === src.width) return src;
    const oh = this.height;
    const ow = this.width;
    const sw = src.width;
    const cx0 = new Int32Array(ow);
    const cx1 = new Int32Array(ow);
    const cwx = new Float64Array(ow);
    const cxn = new Int32Array(ow);
    for (let x = 0; x < ow; x++) {
      const c = this.cols[x]!;
      if (c < 0) {
        cx0[x] = -1;
        continue;
      }
      const t = linearTap(c, sw, this.scaledWidth);
      cx0[x] = t.i0 * 3;
      cx1[x] = t.i1 * 3;
      cwx[x] = t.w;
      cxn[x] = nearestTap(c, sw, this.scaledWidth);
    }
    const image = Buffer.allocUnsafe(oh * ow * 3);
    const label = Buffer.allocUnsafe(oh * ow);
    const sImg = src.image;
    const sLab = src.label;
    const [f0, f1, f2] = this.imageFill;
    const lf = this.labelFill;
    for (let y = 0; y < oh; y++) {
      const r = this.rows[y]!;
      let o = y * ow * 3;
      let ol = y * ow;
      if (r < 0) {
        for (let x = 0; x < ow; x++, o += 3) {
          image[o] = f0;
          image[o + 1] = f1;
          image[o + 2] = f2;
        }
        label.fill(lf, ol, ol + ow);
        continue;
      }
      const ty = linearTap(r, src.height, this.scaledHeight);
      const top = ty.i0 * sw * 3;
      const bot = ty.i1 * sw * 3;
      const wy = ty.w;
      const labRow = nearestTap(r, src.height, this.scaledHeight) * sw;
      for (let x = 0; x < ow; x++, o += 3, ol++) {
        const a = cx0[x]!;
        if (a < 0) {
          image[o] = f0;
          image[o + 1] = f1;
          image[o + 2] = f2;
          label[ol] = lf;
          continue;
        }
        const b = cx1[x]!;
        const wx = cwx[x]!;
        for (let ch = 0; ch < 3; ch++) {
          const p00 = sImg[top + a + ch]!;
          const p01 = sImg[top + b + ch]!;
          const p10 = sImg[bot + a + ch]!;
          const p11 = sImg[bot + b + ch]!;
          const t0 = p00 + (p01 - p00) * wx;
          const t1 = p10 + (p11 - p10) * wx;
          image[o + ch] = (t0 + (t1 - t0) * wy + 0.5) | 0;
        }
        label[ol] = sLab[labRow + cxn[x]!]!;
      }
    }
    return { image, label, height: oh, width: ow, id: src.id };
  }
}

/** Bilinear taps of scaled index `c` (domain `scaled`) in a source axis of length `n` (half-pixel centres). */
function linearTap(c: number, n: number, scaled: number): { i0: number; i1: number; w: number } {
  let f = ((c + 0.5) * n) / scaled - 0.5;
  if (f < 0) f = 0;
  const i0 = Math.min(Math.floor(f), n - 1);
  return { i0, i1: Math.min(i0 + 1, n - 1), w: f - i0 };
}

/** Nearest source index of scaled index `c` (half-pixel centres, PIL NEAREST / torch nearest-exact). */
function nearestTap(c: number, n: number, scaled: number): number {
  return Math.min(Math.floor(((c + 0.5) * n) / scaled), n - 1);
}

/** One augmentation step: edits the plan (geometry) or materialises and edits pixels. */
export interface Transform {
  plan(s: PlannedSample, rng: Rng): PlannedSample;
}

/** Anything that turns a sample into an augmented sample with a given random stream (the loader's hook). */
export interface SampleTransform {
  apply(sample: Sample, rng: Rng): Sample;
}

/** Applies transforms in order, materialising once at the end. */
export class Compose implements SampleTransform {
  constructor(readonly transforms: readonly Transform[]) {}

  apply(sample: Sample, rng: Rng): Sample {
    let p = new PlannedSample(sample);
    for (const t of this.transforms) p = t.plan(p, rng);
    return p.materialize();
  }
}

/** Rescales by a factor drawn uniformly from [min, max] (output size rounded); bilinear images, nearest labels. */
export class RandomScale implements Transform {
  constructor(
    readonly min = 1.4,
    readonly max = 2.0,
  ) {
    if (!(min > 0 && max >= min)) throw new RangeError(`RandomScale: expected 0 < min <= max, got [${min}, ${max}]`);
  }

  plan(s: PlannedSample, rng: Rng): PlannedSample {
    const f = rng.uniform(this.min, this.max);
    // a second resampling cannot be folded into the first: execute what is planned so far
    const p = s.isFullView() ? s : new PlannedSample(s.materialize());
    const h = Math.max(1, Math.round(p.height * f));
    const w = Math.max(1, Math.round(p.width * f));
    const q = new PlannedSample(p.source);
    q.scaledHeight = h;
    q.scaledWidth = w;
    q.rows = identity(h);
    q.cols = identity(w);
    return q;
  }
}

/** Options of RandomCrop's padding. */
export interface CropPadding {
  imageFill?: RGB;
  labelFill?: number;
}

/**
 * Random crop of size [h, w]; where the image is smaller it is first padded at the bottom/right
 * (labels with 255, images with the ImageNet mean colour), as torchvision's segmentation reference does.
 */
export class RandomCrop implements Transform {
  readonly height: number;
  readonly width: number;

  constructor(
    size: number | readonly [number, number] = 513,
    readonly padding: CropPadding = {},
  ) {
    [this.height, this.width] = typeof size === 'number' ? [size, size] : size;
    if (!(this.height >= 1 && this.width >= 1)) throw new RangeError(`RandomCrop: size must be positive, got ${size}`);
  }

  plan(s: PlannedSample, rng: Rng): PlannedSample {
    const top = rng.int(Math.max(s.height, this.height) - this.height + 1);
    const left = rng.int(Math.max(s.width, this.width) - this.width + 1);
    s.rows = window(s.rows, top, this.height);
    s.cols = window(s.cols, left, this.width);
    if (this.padding.imageFill) s.imageFill = this.padding.imageFill;
    if (this.padding.labelFill !== undefined) s.labelFill = this.padding.labelFill;
    return s;
  }
}

function window(map: Int32Array, start: number, len: number): Int32Array {
  const out = new Int32Array(len);
  for (let i = 0; i < len; i++) out[i] = start + i < map.length ? map[start + i]! : -1;
  return out;
}

/** Mirrors image and label left-right with probability p. */
export class RandomHorizontalFlip implements Transform {
  constructor(readonly p = 0.5) {}

  plan(s: PlannedSample, rng: Rng): PlannedSample {
    if (rng.random() < this.p) s.cols = s.cols.slice().reverse();
    return s;
  }
}

/** Jitter strengths as torchvision's ColorJitter takes them (factor ranges [max(0, 1-x), 1+x]; hue [-x, x]). */
export interface ColorJitterOptions {
  brightness?: number;
  contrast?: number;
  saturation?: number;
  hue?: number;
}

/**
 * torchvision ColorJitter on uint8 images: the four adjustments in a random order, each with a random
 * factor; labels untouched. Follows torchvision's tensor arithmetic (blend then truncate to uint8).
 */
export class ColorJitter implements Transform {
  constructor(readonly opts: ColorJitterOptions) {
    if (opts.hue !== undefined && !(opts.hue >= 0 && opts.hue <= 0.5)) throw new RangeError(`ColorJitter: hue must be in [0, 0.5], got ${opts.hue}`);
  }

  plan(s: PlannedSample, rng: Rng): PlannedSample {
    // draw order as torchvision's get_params: permutation, then brightness, contrast, saturation, hue
    const order = [0, 1, 2, 3];
    for (let i = 3; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const factor = (x: number | undefined) => (x ? rng.uniform(Math.max(0, 1 - x), 1 + x) : undefined);
    const b = factor(this.opts.brightness);
    const c = factor(this.opts.contrast);
    const sat = factor(this.opts.saturation);
    const h = this.opts.hue ? rng.uniform(-this.opts.hue, this.opts.hue) : undefined;
    if (b === undefined && c === undefined && sat === undefined && h === undefined) return s;
    const sample = s.materialize();
    const img = Buffer.from(sample.image);
    for (const k of order) {
      if (k === 0 && b !== undefined) blend(img, 0, b);
      else if (k === 1 && c !== undefined) blend(img, meanGray(img), c);
      else if (k === 2 && sat !== undefined) blendGray(img, sat);
      else if (k === 3 && h !== undefined) shiftHue(img, h);
    }
    const out = new PlannedSample({ ...sample, image: img });
    return out;
  }
}

/** torchvision rgb_to_grayscale on uint8 (truncated). */
function gray(r: number, g: number, b: number): number {
  return Math.trunc(0.2989 * r + 0.587 * g + 0.114 * b);
}

/** img = clamp(f*img + (1-f)*other, 0, 255) truncated, in place. */
function blend(img: Buffer, other: number, f: number): void {
  const k = (1 - f) * other;
  for (let i = 0; i < img.length; i++) img[i] = Math.min(255, Math.max(0, f * img[i]! + k));
}

function meanGray(img: Buffer): number {
  let s = 0;
  for (let i = 0; i < img.length; i += 3) s += gray(img[i]!, img[i + 1]!, img[i + 2]!);
  return s / (img.length / 3);
}

function blendGray(img: Buffer, f: number): void {
  for (let i = 0; i < img.length; i += 3) {
    const k = (1 - f) * gray(img[i]!, img[i + 1]!, img[i + 2]!);
    for (let ch = 0; ch < 3; ch++) img[i + ch] = Math.min(255, Math.max(0, f * img[i + ch]! + k));
  }
}

/** torchvision adjust_hue: RGB -> HSV, h = (h + shift) mod 1, back, to uint8 as convert_image_dtype does. */
function shiftHue(img: Buffer, shift: number): void {
  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  for (let i = 0; i < img.length; i += 3) {
    const r = img[i]! / 255;
    const g = img[i + 1]! / 255;
    const b = img[i + 2]! / 255;
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const cr = maxc - minc;
    const eq = cr === 0;
    const s = cr / (eq ? 1 : maxc);
    const d = eq ? 1 : cr;
    const rc = (maxc - r) / d;
    const gc = (maxc - g) / d;
    const bc = (maxc - b) / d;
    let h = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
    h = (h / 6 + 1) % 1;
    h = (((h + shift) % 1) + 1) % 1;
    const v = maxc;
    const i6 = Math.floor(h * 6);
    const f = h * 6 - i6;
    const p = clamp01(v * (1 - s));
    const q = clamp01(v * (1 - s * f));
    const t = clamp01(v * (1 - s * (1 - f)));
    const sector = ((i6 % 6) + 6) % 6;
    const rgb = [
      [v, t, p],
      [q, v, p],
      [p, v, t],
      [p, q, v],
      [t, p, v],
      [v, p, q],
    ][sector]!;
    for (let ch = 0; ch < 3; ch++) img[i + ch] = Math.trunc(rgb[ch]! * (255 + 1 - 1e-3));
  }
}

/** Training augmentation settings (the shape of the run config's `transforms` section). */
export interface TrainTransformOptions {
  scale?: readonly [number, number];
  crop?: number | readonly [number, number];
  flip?: boolean;
  colorJitter?: ColorJitterOptions;
}

/** RandomScale -> RandomCrop -> RandomHorizontalFlip -> (ColorJitter) with the lab's defaults. */
export function trainTransform(opts: TrainTransformOptions = {}): Compose {
  const [lo, hi] = opts.scale ?? [1.4, 2.0];
  const ts: Transform[] = [new RandomScale(lo, hi), new RandomCrop(opts.crop ?? 513)];
  if (opts.flip ?? true) ts.push(new RandomHorizontalFlip(0.5));
  const cj = opts.colorJitter;
  if (cj && (cj.brightness || cj.contrast || cj.saturation || cj.hue)) ts.push(new ColorJitter(cj));
  return new Compose(ts);
}
