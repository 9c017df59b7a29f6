/**
 * Scanline rasteriser with a 1/z depth buffer. Writes colour (float RGB), class index and instance id
 * per pixel; every fill goes through one span loop so textures, depth test and labels stay consistent.
 */
import { IGNORE_INDEX } from '../data/label-spaces.js';
import type { Camera } from './camera.js';
import { grain, type ResolvedTexture, texMix } from './textures.js';

/** Render targets for one frame. */
export interface FrameBuffers {
  readonly width: number;
  readonly height: number;
  /** HWC float RGB in 0..255 (clamped when converted to bytes). */
  readonly rgb: Float32Array;
  /** HW class index (IGNORE_INDEX = undefined). */
  readonly label: Uint8Array;
  /** HW per-frame instance id, -1 where none. */
  readonly inst: Int16Array;
  /** HW 1/z of the visible surface (0 = infinitely far). */
  readonly invz: Float32Array;
}

/** Allocates cleared buffers (label IGNORE_INDEX, depth at infinity). */
export function makeBuffers(width: number, height: number): FrameBuffers {
  const n = width * height;
  const fb = {
    width,
    height,
    rgb: new Float32Array(n * 3),
    label: new Uint8Array(n).fill(IGNORE_INDEX),
    inst: new Int16Array(n).fill(-1),
    invz: new Float32Array(n),
  };
  return fb;
}

/** How one primitive paints its pixels. */
export interface Paint {
  tex: ResolvedTexture;
  cls: number;
  inst: number;
  /** Depth multiplier > 1 lets decals win over the coplanar surface below them. */
  bias: number;
  /** > 0: darken what is already there by this factor instead of painting (labels untouched). */
  shadow: number;
  /** Ground-plane texture coordinates (world X, Z) instead of screen-space ones. */
  ground: boolean;
  /** Screen-space texture origin (px) and metres per pixel at the primitive's depth. */
  ox: number;
  oy: number;
  mpp: number;
}

/** Paints pixels [xa, xb) of row y whose depth beats the buffer; depth is the affine plane pa*x + pb*y + pc. */
function span(fb: FrameBuffers, cam: Camera, y: number, xa: number, xb: number, pa: number, pb: number, pc: number, p: Paint): void {
  const { rgb, label, inst, invz } = fb;
  const tex = p.tex;
  const rowc = pb * (y + 0.5) + pc;
  const invF = 1 / cam.f;
  let i = y * fb.width + xa;
  for (let x = xa; x < xb; x++, i++) {
    const z0 = pa * (x + 0.5) + rowc;
    const iz = z0 * p.bias;
    if (iz <= invz[i]!) continue;
    const k = i * 3;
    if (p.shadow > 0) {
      rgb[k] = rgb[k]! * p.shadow;
      rgb[k + 1] = rgb[k + 1]! * p.shadow;
      rgb[k + 2] = rgb[k + 2]! * p.shadow;
      continue;
    }
    invz[i] = iz;
    label[i] = p.cls;
    inst[i] = p.inst;
    let u: number;
    let v: number;
    if (p.ground) {
      const zc = 1 / z0;
      const xc = (x + 0.5 - cam.cx) * invF * zc;
      u = xc * cam.cosYaw + zc * cam.sinYaw;
      v = zc * cam.cosYaw - xc * cam.sinYaw;
    } else {
      u = (x - p.ox) * p.mpp;
      v = (y - p.oy) * p.mpp;
    }
    const t = texMix(tex, u, v, y);
    const g = grain(x, y) * tex.noise;
    rgb[k] = tex.ar + tex.dr * t + g;
    rgb[k + 1] = tex.ag + tex.dg * t + g;
    rgb[k + 2] = tex.ab + tex.db * t + g;
  }
}

/** Fills a projected polygon (flat sx, sy, invz triples; n vertices) with even-odd scanlines. */
export function fillPolygon(fb: FrameBuffers, cam: Camera, v: Float64Array, n: number, p: Paint): void {
  if (n < 3) return;
  // depth plane invz = pa*x + pb*y + pc from the vertex triple with the largest area
  let best = 0;
  let bi = 1;
  for (let i = 1; i + 1 < n; i++) {
    const ar = Math.abs((v[i * 3]! - v[0]!) * (v[i * 3 + 4]! - v[1]!) - (v[i * 3 + 3]! - v[0]!) * (v[i * 3 + 1]! - v[1]!));
    if (ar > best) {
      best = ar;
      bi = i;
    }
  }
  if (best < 1e-9) return;
  const x0 = v[0]!,
    y0 = v[1]!,
    w0 = v[2]!;
  const x1 = v[bi * 3]! - x0,
    y1 = v[bi * 3 + 1]! - y0,
    w1 = v[bi * 3 + 2]! - w0;
  const x2 = v[bi * 3 + 3]! - x0,
    y2 = v[bi * 3 + 4]! - y0,
    w2 = v[bi * 3 + 5]! - w0;
  const det = x1 * y2 - x2 * y1;
  const pa = (w1 * y2 - w2 * y1) / det;
  const pb = (x1 * w2 - x2 * w1) / det;
  const pc = w0 - pa * x0 - pb * y0;

  let ymin = Infinity;
  let ymax = -Infinity;
  for (let i = 0; i < n; i++) {
    const y = v[i * 3 + 1]!;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  const ya = Math.max(0, Math.ceil(ymin - 0.5));
  const yb = Math.min(fb.height - 1, Math.ceil(ymax - 0.5) - 1);
  const xs = crossings;
  for (let y = ya; y <= yb; y++) {
    const yc = y + 0.5;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const ay = v[i * 3 + 1]!;
      const by = v[j * 3 + 1]!;
      if ((ay <= yc && by > yc) || (by <= yc && ay > yc)) {
        const ax = v[i * 3]!;
        xs[m++] = ax + ((yc - ay) / (by - ay)) * (v[j * 3]! - ax);
      }
    }
    if (m < 2) continue;
    if (m === 2) {
      if (xs[0]! > xs[1]!) {
        const t = xs[0]!;
        xs[0] = xs[1]!;
        xs[1] = t;
      }
    } else {
      sortPrefix(xs, m);
    }
    for (let k = 0; k + 1 < m; k += 2) {
      const xa = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const xb = Math.min(fb.width, Math.ceil(xs[k + 1]! - 0.5));
      if (xb > xa) span(fb, cam, y, xa, xb, pa, pb, pc, p);
    }
  }
}

const crossings = new Float64Array(64);

function sortPrefix(a: Float64Array, m: number): void {
  for (let i = 1; i < m; i++) {
    const t = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > t) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = t;
  }
}

/** Fills an axis-aligned screen ellipse at constant depth. */
export function fillEllipse(fb: FrameBuffers, cam: Camera, cx: number, cy: number, rx: number, ry: number, iz: number, p: Paint): void {
  if (rx <= 0 || ry <= 0) return;
  const ya = Math.max(0, Math.ceil(cy - ry - 0.5));
  const yb = Math.min(fb.height - 1, Math.floor(cy + ry - 0.5));
  for (let y = ya; y <= yb; y++) {
    const dy = (y + 0.5 - cy) / ry;
    const h = 1 - dy * dy;
    if (h <= 0) continue;
    const hw = rx * Math.sqrt(h);
    const xa = Math.max(0, Math.ceil(cx - hw - 0.5));
    const xb = Math.min(fb.width, Math.ceil(cx + hw - 0.5));
    if (xb > xa) span(fb, cam, y, xa, xb, 0, 0, iz, p);
  }
}

/** Fills a screen rectangle [x0,x1) x [y0,y1) (fractional edges rounded to pixel centres) at constant depth. */
export function fillRect(fb: FrameBuffers, cam: Camera, x0: number, y0: number, x1: number, y1: number, iz: number, p: Paint): void {
  const ya = Math.max(0, Math.ceil(y0 - 0.5));
  const yb = Math.min(fb.height, Math.ceil(y1 - 0.5));
  const xa = Math.max(0, Math.ceil(x0 - 0.5));
  const xb = Math.min(fb.width, Math.ceil(x1 - 0.5));
  if (xb <= xa) return;
  for (let y = ya; y < yb; y++) span(fb, cam, y, xa, xb, 0, 0, iz, p);
}
