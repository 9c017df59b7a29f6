/** Procedural textures: specs (what a style says) and their fast per-pixel evaluation (what the rasteriser runs). */
import type { RGB } from './classes.js';
import { Rng } from './prng.js';

/** Texture families a style can assign to a part. */
export type TextureKind = 'flat' | 'stripes' | 'checker' | 'gradient' | 'bricks' | 'blotch';

/** A texture as a style declares it; `scale` is in metres (stripe period, checker cell, brick width, blotch size). */
export interface TextureSpec {
  readonly kind: TextureKind;
  /** Main colour. */
  readonly a: RGB;
  /** Second colour (stripes, checker cells, mortar, gradient end, blotch highs); defaults to `a`. */
  readonly b?: RGB;
  readonly scale?: number;
  /** Stripe direction in degrees (0 = horizontal bands). */
  readonly angle?: number;
  /** Per-pixel grain amplitude as a fraction of 255. */
  readonly noise?: number;
}

/** Numeric texture codes used in the hot loop (a switch on small ints beats string compares). */
export const TEX = { flat: 0, stripes: 1, checker: 2, gradient: 3, bricks: 4, blotch: 5 } as const;

/** A texture resolved for one primitive at render time: colours already lit, coordinates mapping fixed. */
export interface ResolvedTexture {
  kind: number;
  ar: number;
  ag: number;
  ab: number;
  dr: number;
  dg: number;
  db: number; // b - a
  noise: number; // grain amplitude in 0..255 units
  inv: number; // 1 / scale
  cos: number;
  sin: number; // stripe direction
  y0: number;
  yInvSpan: number; // gradient range in screen rows
}

/** Builds a ResolvedTexture from a spec with a brightness multiplier per channel. */
export function resolveTexture(spec: TextureSpec, mul: readonly [number, number, number], out?: ResolvedTexture): ResolvedTexture {
  const b = spec.b ?? spec.a;
  const ang = ((spec.angle ?? 0) * Math.PI) / 180;
  const r = out ?? ({} as ResolvedTexture);
  r.kind = TEX[spec.kind];
  r.ar = spec.a[0] * mul[0];
  r.ag = spec.a[1] * mul[1];
  r.ab = spec.a[2] * mul[2];
  r.dr = b[0] * mul[0] - r.ar;
  r.dg = b[1] * mul[1] - r.ag;
  r.db = b[2] * mul[2] - r.ab;
  r.noise = (spec.noise ?? 0.03) * 255;
  r.inv = 1 / (spec.scale ?? 1);
  r.cos = Math.cos(ang);
  r.sin = Math.sin(ang);
  r.y0 = 0;
  r.yInvSpan = 1;
  return r;
}

const TILE = 256;
const TILE_MASK = TILE - 1;

/** Tileable smooth value noise (two octaves) in [0,1], built once from a fixed seed. */
function makeBlotchTile(): Float32Array {
  const rng = new Rng(0x5eed);
  const out = new Float32Array(TILE * TILE);
  const octaves: Array<[number, number]> = [
    [8, 0.6],
    [32, 0.4],
  ];
  for (const [cells, w] of octaves) {
    const lat = new Float32Array(cells * cells);
    for (let i = 0; i < lat.length; i++) lat[i] = rng.next();
    const step = TILE / cells;
    for (let y = 0; y < TILE; y++) {
      const gy = y / step;
      const iy = Math.floor(gy);
      let fy = gy - iy;
      fy = fy * fy * (3 - 2 * fy);
      const y0 = (iy % cells) * cells;
      const y1 = ((iy + 1) % cells) * cells;
      for (let x = 0; x < TILE; x++) {
        const gx = x / step;
        const ix = Math.floor(gx);
        let fx = gx - ix;
        fx = fx * fx * (3 - 2 * fx);
        const x0 = ix % cells;
        const x1 = (ix + 1) % cells;
        const top = lat[y0 + x0]! + (lat[y0 + x1]! - lat[y0 + x0]!) * fx;
        const bot = lat[y1 + x0]! + (lat[y1 + x1]! - lat[y1 + x0]!) * fx;
        out[y * TILE + x]! += w * (top + (bot - top) * fy);
      }
    }
  }
  return out;
}

const BLOTCH = makeBlotchTile();
/** Tile pixels per texture `scale` unit for blotch sampling (one feature of the coarse octave). */
const BLOTCH_PER_UNIT = TILE / 8;

/** Per-pixel grain in [-0.5, 0.5): an integer hash of the pixel position (no state, no allocation). */
export function grain(x: number, y: number): number {
  let h = Math.imul(x, 374761393) + Math.imul(y, 668265263);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  h ^= h >>> 16;
  return (h & 1023) / 1024 - 0.5;
}

function frac(v: number): number {
  return v - Math.floor(v);
}

/** Texture mix factor t in [0,1] at texture coordinates (u, v) metres and screen row y. */
export function texMix(m: ResolvedTexture, u: number, v: number, y: number): number {
  switch (m.kind) {
    case 1: // stripes: half-period bands along the rotated axis
      return frac((v * m.cos + u * m.sin) * m.inv) < 0.5 ? 0 : 1;
    case 2: // checker
      return (Math.floor(u * m.inv) + Math.floor(v * m.inv)) & 1;
    case 3: {
      // vertical screen gradient over the primitive's rows
      const t = (y - m.y0) * m.yInvSpan;
      return t < 0 ? 0 : Math.min(t, 1);
    }
    case 4: {
      // bricks: brick height = scale/2.5, rows offset by half a brick; b = mortar
      const bv = v * m.inv * 2.5;
      const row = Math.floor(bv);
      const bu = u * m.inv + (row & 1) * 0.5;
      return frac(bv) < 0.18 || frac(bu) < 0.07 ? 1 : 0;
    }
    case 5: {
      const tx = Math.floor(u * m.inv * BLOTCH_PER_UNIT) & TILE_MASK;
      const ty = Math.floor(v * m.inv * BLOTCH_PER_UNIT) & TILE_MASK;
      const n = BLOTCH[ty * TILE + tx]!;
      // steepen the noise so blotches read as patches rather than fog
      const t = (n - 0.3) * 2.5;
      return t < 0 ? 0 : Math.min(t, 1);
    }
    default:
      return 0;
  }
}
