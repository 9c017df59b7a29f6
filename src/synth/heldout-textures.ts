/**
 * Held-out texture families: what the held-out test styles paint over every label region of a frame. Written
 * apart from textures.ts on purpose (no flat, stripes, checker, gradient, bricks or blotch, no shared noise
 * tile or grain hash): a held-out style must not share a family, a noise source or a palette rule with anything
 * the generator uses for training or for choosing methods, or it would stop measuring generalisation.
 * Every pattern lives in screen pixels (not metres), with its own integer hash.
 */
import { fmix32 } from '../util/hash.js';
import { hashSeed, Rng } from './prng.js';

/** The held-out texture families. */
export const HELD_OUT_FAMILIES = ['value-noise', 'plaid', 'rings', 'speckle', 'voronoi', 'waves'] as const;

/** One held-out texture family. */
export type HeldOutFamily = (typeof HELD_OUT_FAMILIES)[number];

/** Paints pixel (x, y) into `out` at byte offset k (RGB). */
export type Painter = (x: number, y: number, out: Uint8Array, k: number) => void;

/** An RGB colour, 0–255 per channel. */
export type Colour = readonly [number, number, number];

/** A set of region textures: its families and how one region's texture is drawn from a seed. */
export interface RegionTextures<F extends string = string> {
  readonly families: readonly F[];
  /** The texture (family, colours, parameters) of one region of a width × height frame, from `seed`. */
  draw(seed: number, width: number, height: number): { family: F; paint: Painter };
}

/** Uniform in [0, 1) from integer lattice coordinates and a salt (stateless, so patterns are order-free). */
export function lattice(ix: number, iy: number, salt: number): number {
  return fmix32(Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ salt) / 4294967296;
}

/** Writes the blend a + (b − a)·t at byte offset k. */
export function write(out: Uint8Array, k: number, a: Colour, b: Colour, t: number): void {
  out[k] = a[0] + (b[0] - a[0]) * t + 0.5;
  out[k + 1] = a[1] + (b[1] - a[1]) * t + 0.5;
  out[k + 2] = a[2] + (b[2] - a[2]) * t + 0.5;
}

/** Multi-octave value noise (3–5 octaves, cosine-interpolated) blending two colours. */
function valueNoise(rng: Rng, salt: number, c: Colour[]): Painter {
  const cell = rng.range(4, 40);
  const octaves = rng.int(3, 5);
  const ease = (f: number): number => (1 - Math.cos(Math.PI * f)) / 2;
  const at = (x: number, y: number, o: number): number => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = ease(x - ix);
    const fy = ease(y - iy);
    const s = salt + o * 0x9e37;
    const top = lattice(ix, iy, s) + (lattice(ix + 1, iy, s) - lattice(ix, iy, s)) * fx;
    const bot = lattice(ix, iy + 1, s) + (lattice(ix + 1, iy + 1, s) - lattice(ix, iy + 1, s)) * fx;
    return top + (bot - top) * fy;
  };
  return (x, y, out, k) => {
    let v = 0;
    let norm = 0;
    for (let o = 0, f = 1 / cell, w = 1; o < octaves; o++, f *= 2, w *= 0.5) {
      v += w * at(x * f, y * f, o);
      norm += w;
    }
    write(out, k, c[0]!, c[1]!, v / norm);
  };
}

/** Tartan: horizontal and vertical bands of three colours laid over each other. */
function plaid(rng: Rng, _salt: number, c: Colour[]): Painter {
  const px = rng.range(6, 30);
  const py = rng.range(6, 30);
  const width = rng.range(0.2, 0.5);
  return (x, y, out, k) => {
    const h = (x / px) % 1 < width ? 1 : 0;
    const v = (y / py) % 1 < width ? 1 : 0;
    // where both bands cross, the third colour; one band: the second; neither: the ground
    const col = h + v === 2 ? c[2]! : h + v === 1 ? c[1]! : c[0]!;
    write(out, k, col, col, 0);
  };
}

/** Concentric rings around a random centre, soft-edged (a sine of the distance). */
function rings(rng: Rng, _salt: number, c: Colour[], w: number, h: number): Painter {
  const cx = rng.range(-0.5, 1.5) * w;
  const cy = rng.range(-0.5, 1.5) * h;
  const period = rng.range(4, 24);
  return (x, y, out, k) => {
    const d = Math.hypot(x - cx, y - cy);
    write(out, k, c[0]!, c[1]!, 0.5 + 0.5 * Math.sin((2 * Math.PI * d) / period));
  };
}

/** A ground colour sprinkled with 1–2 px dots of two other colours. */
function speckle(rng: Rng, salt: number, c: Colour[]): Painter {
  const size = rng.int(1, 2);
  const density = rng.range(0.1, 0.45);
  return (x, y, out, k) => {
    const u = lattice(Math.floor(x / size), Math.floor(y / size), salt);
    const col = u < density / 2 ? c[1]! : u < density ? c[2]! : c[0]!;
    write(out, k, col, col, 0);
  };
}

/** Voronoi cells of a jittered grid, each cell one of three colours, with dark cell borders. */
function voronoi(rng: Rng, salt: number, c: Colour[]): Painter {
  const cell = rng.range(6, 32);
  const border = rng.range(0.04, 0.12);
  const ink: Colour = [0, 0, 0];
  return (x, y, out, k) => {
    const gx = Math.floor(x / cell);
    const gy = Math.floor(y / cell);
    let best = Infinity;
    let second = Infinity;
    let pick = 0;
    for (let j = -1; j <= 1; j++) {
      for (let i = -1; i <= 1; i++) {
        const sx = (gx + i + lattice(gx + i, gy + j, salt)) * cell;
        const sy = (gy + j + lattice(gx + i, gy + j, salt ^ 0x5bd1)) * cell;
        const d = Math.hypot(x - sx, y - sy);
        if (d < best) {
          second = best;
          best = d;
          pick = Math.floor(3 * lattice(gx + i, gy + j, salt ^ 0x3c6e));
        } else if (d < second) second = d;
      }
    }
    const col = c[pick]!;
    write(out, k, col, ink, second - best < border * cell ? 0.6 : 0);
  };
}

/** A sine wave along a random direction whose phase is bent by a second, crossing wave. */
function waves(rng: Rng, _salt: number, c: Colour[]): Painter {
  const a = rng.range(0, Math.PI);
  const period = rng.range(5, 30);
  const bend = rng.range(0, 8);
  const bendPeriod = rng.range(20, 80);
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  return (x, y, out, k) => {
    const u = x * cos + y * sin + bend * Math.sin((2 * Math.PI * (y * cos - x * sin)) / bendPeriod);
    write(out, k, c[0]!, c[1]!, 0.5 + 0.5 * Math.sin((2 * Math.PI * u) / period));
  };
}

/** Makes one family's painter from the region's generator, a salt for its hashes, three colours and the frame size. */
export type PainterMaker = (rng: Rng, salt: number, c: Colour[], w: number, h: number) => Painter;

/**
 * A texture set that draws, per region from its seed: a family uniformly, three colours by `colour`, then the
 * family's parameters; `salt` keeps the set's hashes apart from another set's.
 */
export function regionTextureSet<F extends string>(
  families: readonly F[],
  makers: Record<F, PainterMaker>,
  colour: (rng: Rng) => Colour,
  salt: number,
): RegionTextures<F> {
  return {
    families,
    draw(seed, width, height) {
      const rng = new Rng(seed);
      const family = rng.pick(families);
      const colours = [colour(rng), colour(rng), colour(rng)];
      return { family, paint: makers[family](rng, fmix32(seed ^ salt), colours, width, height) };
    },
  };
}

const MAKERS: Record<HeldOutFamily, PainterMaker> = {
  'value-noise': valueNoise,
  plaid,
  rings,
  speckle,
  voronoi,
  waves,
};

/** The held-out test styles' textures: a random family, three colours uniform in RGB and its parameters per region. */
export const HELD_OUT_TEXTURES: RegionTextures<HeldOutFamily> = regionTextureSet(
  HELD_OUT_FAMILIES,
  MAKERS,
  (rng) => [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)],
  0x68e31da4,
);

/**
 * Repaints every label region of a frame (each label id present, void included) with its own random texture of
 * `textures` drawn from `seed`; returns the new HWC RGB bytes and the family each
 * label id got. Labels are not touched: the image keeps the frame's shapes and loses every surface the renderer gave it.
 */
export function repaintRegions<F extends string>(
  label: Uint8Array,
  width: number,
  height: number,
  seed: number,
  textures: RegionTextures<F>,
): { rgb: Uint8Array; families: Map<number, F> } {
  if (label.length !== width * height) throw new Error(`repaintRegions: ${label.length} labels for a ${width}x${height} frame`);
  const painters: Array<Painter | undefined> = new Array(256);
  const families = new Map<number, F>();
  for (const id of new Set(label)) {
    const p = textures.draw(hashSeed(seed, 'region', id), width, height);
    painters[id] = p.paint;
    families.set(id, p.family);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) for (let x = 0; x < width; x++, i++) painters[label[i]!]!(x, y, rgb, 3 * i);
  return { rgb, families };
}
