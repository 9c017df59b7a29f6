/**
 * Unseen texture families: what the unseen test styles paint over every label region of a frame. Added after the
 * fourth round of the shape-bias experiment read its advice off the held-out styles, so that the round that follows
 * the advice is judged on styles nothing was ever chosen or read on. No family of the renderer (textures.ts) or of
 * the held-out styles (heldout-textures.ts), and another colour rule: colours drawn in HSL, not uniform in RGB.
 * Every pattern lives in screen pixels.
 */
import { type Colour, lattice, type Painter, type PainterMaker, type RegionTextures, regionTextureSet, write } from './heldout-textures.js';
import type { Rng } from './prng.js';

/** The unseen texture families. */
export const UNSEEN_FAMILIES = ['polka', 'zigzag', 'halftone', 'scribble', 'triangles'] as const;

/** One unseen texture family. */
export type UnseenFamily = (typeof UNSEEN_FAMILIES)[number];

/** Discs of the second colour on a square grid of the ground, every other row staggered or not. */
function polka(rng: Rng, _salt: number, c: Colour[]): Painter {
  const period = rng.range(5, 24);
  const radius = rng.range(0.2, 0.45) * period;
  const stagger = rng.chance(0.5) ? 0.5 : 0;
  return (x, y, out, k) => {
    const row = Math.floor(y / period);
    const u = x / period + stagger * (row & 1);
    const dx = (u - Math.floor(u) - 0.5) * period;
    const dy = (y / period - row - 0.5) * period;
    const col = Math.hypot(dx, dy) < radius ? c[1]! : c[0]!;
    write(out, k, col, col, 0);
  };
}

/** Chevron bands: bands of two or three colours that fold at a regular horizontal period, rotated at random. */
function zigzag(rng: Rng, _salt: number, c: Colour[]): Painter {
  const a = rng.range(0, Math.PI);
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const fold = rng.range(6, 30);
  const amplitude = rng.range(0.3, 1.2) * fold;
  const band = rng.range(3, 12);
  const colours = rng.chance(0.5) ? 3 : 2;
  return (x, y, out, k) => {
    const u = x * cos + y * sin;
    const v = -x * sin + y * cos;
    const tri = Math.abs(((u / fold) % 2) + (u < 0 ? 2 : 0) - 1); // triangle wave in [0, 1]
    const idx = Math.floor((v + amplitude * tri) / band);
    const col = c[((idx % colours) + colours) % colours]!;
    write(out, k, col, col, 0);
  };
}

/** A halftone screen: dots on a rotated grid whose radius follows a linear ramp across the frame. */
function halftone(rng: Rng, _salt: number, c: Colour[], w: number, h: number): Painter {
  const period = rng.range(4, 12);
  const a = rng.range(0, Math.PI / 2);
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const ramp = rng.range(0, 2 * Math.PI);
  const rx = Math.cos(ramp) / Math.max(w, 1);
  const ry = Math.sin(ramp) / Math.max(h, 1);
  return (x, y, out, k) => {
    const u = (x * cos + y * sin) / period;
    const v = (-x * sin + y * cos) / period;
    const dx = u - Math.floor(u) - 0.5;
    const dy = v - Math.floor(v) - 0.5;
    const tone = Math.min(1, Math.max(0, 0.5 + x * rx + y * ry)); // 0..1 across the frame
    const col = Math.hypot(dx, dy) < 0.1 + 0.45 * tone ? c[1]! : c[0]!;
    write(out, k, col, col, 0);
  };
}

/** Short straight strokes of two colours thrown at random over the ground (a few per grid cell, any angle). */
function scribble(rng: Rng, salt: number, c: Colour[]): Painter {
  const cell = rng.range(8, 24);
  const length = rng.range(0.6, 1.4) * cell;
  const width = rng.range(0.6, 1.8);
  const perCell = rng.int(1, 3);
  return (x, y, out, k) => {
    const gx = Math.floor(x / cell);
    const gy = Math.floor(y / cell);
    let col = c[0]!;
    for (let j = -1; j <= 1; j++) {
      for (let i = -1; i <= 1; i++) {
        for (let s = 0; s < perCell; s++) {
          const key = salt ^ Math.imul(s + 1, 0x2545f491);
          const cx = (gx + i + lattice(gx + i, gy + j, key)) * cell;
          const cy = (gy + j + lattice(gx + i, gy + j, key ^ 0x1b873593)) * cell;
          const t = Math.PI * lattice(gx + i, gy + j, key ^ 0x6c8e9cf5);
          const ux = Math.cos(t);
          const uy = Math.sin(t);
          const along = (x - cx) * ux + (y - cy) * uy;
          const across = Math.abs(-(x - cx) * uy + (y - cy) * ux);
          if (Math.abs(along) < length / 2 && across < width) col = lattice(gx + i, gy + j, key ^ 0x7f4a7c15) < 0.5 ? c[1]! : c[2]!;
        }
      }
    }
    write(out, k, col, col, 0);
  };
}

/** A tiling of right triangles (each grid square cut along a diagonal), every triangle one of three colours. */
function triangles(rng: Rng, salt: number, c: Colour[]): Painter {
  const size = rng.range(6, 28);
  const a = rng.range(0, Math.PI / 2);
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  return (x, y, out, k) => {
    const u = (x * cos + y * sin) / size;
    const v = (-x * sin + y * cos) / size;
    const iu = Math.floor(u);
    const iv = Math.floor(v);
    const upper = u - iu > v - iv ? 1 : 0;
    const col = c[Math.floor(3 * lattice(2 * iu + upper, iv, salt))]!;
    write(out, k, col, col, 0);
  };
}

const MAKERS: Record<UnseenFamily, PainterMaker> = {
  polka,
  zigzag,
  halftone,
  scribble,
  triangles,
};

/** A colour from HSL: any hue, saturation 0.2–1, lightness 0.15–0.85 (the held-out rule is uniform in RGB). */
function hslColour(rng: Rng): Colour {
  const hue = rng.range(0, 360);
  const s = rng.range(0.2, 1);
  const l = rng.range(0.15, 0.85);
  const chroma = (1 - Math.abs(2 * l - 1)) * s;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = l - chroma / 2;
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x];
  return [Math.round(255 * (r + m)), Math.round(255 * (g + m)), Math.round(255 * (b + m))];
}

/** The unseen test styles' textures: a random family, three HSL colours and its parameters per region. */
export const UNSEEN_TEXTURES: RegionTextures<UnseenFamily> = regionTextureSet(UNSEEN_FAMILIES, MAKERS, hslColour, 0x3243f6a8);
