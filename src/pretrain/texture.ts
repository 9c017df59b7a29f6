// Random colours and textures for the fractal and its background, drawn afresh for every image so that only
// the outline tells the categories apart (colour and texture are noise, shared by every class alike).
import type { Rng } from '../synth/prng.js';

/** An RGB colour, 0..255 per channel. */
export type Rgb = readonly [number, number, number];

/** The texture kinds a region is painted with. */
export const TEXTURE_KINDS = ['flat', 'noise', 'stripes', 'checker'] as const;

/** A texture kind. */
export type TextureKind = (typeof TEXTURE_KINDS)[number];

/** A region's texture: a kind, its two colours and its geometry. */
export interface Texture {
  readonly kind: TextureKind;
  readonly a: Rgb;
  readonly b: Rgb;
  /** Stripe or checker period, pixels. */
  readonly period: number;
  /** Stripe direction. */
  readonly cos: number;
  readonly sin: number;
  /** Per-pixel noise amplitude (noise kind). */
  readonly amplitude: number;
}

/** Smallest distance between the fractal's and the background's mean colours: a shape must stay visible. */
const MIN_CONTRAST = 80;

function randomRgb(rng: Rng): Rgb {
  return [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
}

/** A random texture (kind, colours, period, angle, noise amplitude). */
export function randomTexture(rng: Rng): Texture {
  const angle = rng.range(0, Math.PI);
  return {
    kind: rng.pick(TEXTURE_KINDS),
    a: randomRgb(rng),
    b: randomRgb(rng),
    period: rng.range(2, 8),
    cos: Math.cos(angle),
    sin: Math.sin(angle),
    amplitude: rng.range(10, 60),
  };
}

/** The colour a texture averages to. */
export function meanColour(t: Texture): Rgb {
  if (t.kind === 'flat' || t.kind === 'noise') return t.a;
  return [(t.a[0] + t.b[0]) / 2, (t.a[1] + t.b[1]) / 2, (t.a[2] + t.b[2]) / 2];
}

/** A foreground and a background texture whose mean colours differ by at least MIN_CONTRAST. */
export function randomTexturePair(rng: Rng): { fg: Texture; bg: Texture } {
  const fg = randomTexture(rng);
  const m = meanColour(fg);
  let bg = randomTexture(rng);
  for (let t = 0; t < 50; t++) {
    const n = meanColour(bg);
    if (Math.hypot(m[0] - n[0], m[1] - n[1], m[2] - n[2]) >= MIN_CONTRAST) break;
    bg = randomTexture(rng);
  }
  return { fg, bg };
}

/** Writes the texture's colour at pixel (x, y) into `out[0..2]` (noise draws from `rng`). */
export function textureAt(t: Texture, x: number, y: number, rng: Rng, out: Float64Array): void {
  let c: Rgb = t.a;
  if (t.kind === 'stripes') {
    if (Math.floor((x * t.cos + y * t.sin) / t.period) & 1) c = t.b;
  } else if (t.kind === 'checker') {
    if ((Math.floor(x / t.period) + Math.floor(y / t.period)) & 1) c = t.b;
  }
  const jitter = t.kind === 'noise' ? t.amplitude : 0;
  for (let ch = 0; ch < 3; ch++) out[ch] = c[ch]! + (jitter === 0 ? 0 : rng.range(-jitter, jitter));
}
