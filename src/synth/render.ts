/** Renders a Scene with a style and a variation into RGB bytes, class indices and instance ids. */
import { type Camera, makeCamera, projectPoint, projectPolygon } from './camera.js';
import { C } from './classes.js';
import { Rng } from './prng.js';
import { type FrameBuffers, fillEllipse, fillPolygon, fillRect, makeBuffers, type Paint } from './raster.js';
import type { Prim, Scene } from './scene.js';
import { primTexture, type Style } from './styles.js';
import { type ResolvedTexture, resolveTexture } from './textures.js';
import type { VariationLook } from './variations.js';

/** A rendered frame. */
export interface RenderedFrame {
  readonly width: number;
  readonly height: number;
  /** HWC uint8 RGB. */
  readonly rgb: Uint8Array;
  /** HW class index (see SYNTH_CLASSES), 255 = undefined. */
  readonly label: Uint8Array;
  /** HW per-frame instance index (into Scene.instances), -1 = none. */
  readonly inst: Int16Array;
}

/** Darkening factor of vehicle shadows on the road. */
const SHADOW = 0.55;

/** Renders one frame; `noiseSeed` drives frame-level effects such as rain streaks. */
export function renderScene(scene: Scene, width: number, height: number, style: Style, look: VariationLook, noiseSeed: number): RenderedFrame {
  const cam = makeCamera(width, height, scene.camH, scene.horizonFrac, look.yaw);
  const fb = makeBuffers(width, height);
  const tex = {} as ResolvedTexture;
  const paint: Paint = { tex, cls: 0, inst: -1, bias: 1, shadow: 0, ground: false, ox: 0, oy: 0, mpp: 1 };

  const verts = new Float64Array(3 * 32);
  const minBarPx = Math.max(1.5, (2 * width) / 621); // keep poles visible at small sizes
  // Standing things front to back so the depth test rejects hidden pixels before texturing them;
  // the z-buffer keeps the result independent of order. Ground after them, then shadows (which only
  // darken ground already drawn), then sky into whatever is still empty.
  const standing = scene.prims.filter((p) => p.layer === 2);
  const keys = standing.map((p) => nearestDepth(cam, p));
  const order = standing.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
  for (const i of order) drawPrim(fb, cam, standing[i]!, style, paint, verts, minBarPx);
  for (const layer of [0, 1]) {
    for (const p of scene.prims) if (p.layer === layer) drawPrim(fb, cam, p, style, paint, verts, minBarPx);
  }
  resolveTexture(primTexture(style, 'sky', C.Sky, 0), [1, 1, 1], tex);
  paint.cls = C.Sky;
  paint.inst = -1;
  paint.bias = 1;
  paint.shadow = 0;
  paint.ground = false;
  tex.y0 = 0;
  tex.yInvSpan = 1 / Math.max(1, cam.cy);
  fillRect(fb, cam, 0, 0, width, height, 1e-12, paint);
  const rgb = finish(fb, cam, scene.exposure, look, noiseSeed);
  return { width, height, rgb, label: fb.label, inst: fb.inst };
}

function drawPrim(fb: FrameBuffers, cam: Camera, p: Prim, style: Style, paint: Paint, verts: Float64Array, minBarPx: number): void {
  const tex = paint.tex;
  resolveTexture(primTexture(style, p.part, p.cls, p.variant), [p.shade, p.shade, p.shade], tex);
  paint.cls = p.cls;
  paint.inst = p.inst;
  paint.bias = 1 + p.bias * 2e-4;
  paint.shadow = p.layer === 1 ? SHADOW : 0;
  paint.ground = p.layer !== 2;
  if (p.type === 'poly') {
    const n = projectPolygon(cam, p.pts, verts);
    if (n === 0) return;
    let ymin = Infinity,
      ymax = -Infinity,
      izSum = 0;
    for (let i = 0; i < n; i++) {
      const y = verts[i * 3 + 1]!;
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
      izSum += verts[i * 3 + 2]!;
    }
    setScreenMapping(paint, cam, verts[0]!, ymin, ymax, izSum / n);
    fillPolygon(fb, cam, verts, n, paint);
  } else if (p.type === 'disc') {
    const c = projectPoint(cam, p.x, p.y, p.z);
    if (!c) return;
    const rx = cam.f * p.rx * c[2];
    const ry = cam.f * p.ry * c[2];
    setScreenMapping(paint, cam, c[0] - rx, c[1] - ry, c[1] + ry, c[2]);
    fillEllipse(fb, cam, c[0], c[1], rx, ry, c[2], paint);
  } else {
    const bot = projectPoint(cam, p.x, p.y0, p.z);
    if (!bot) return;
    const iz = bot[2];
    const top = bot[1] - cam.f * (p.y1 - p.y0) * iz;
    const hw = Math.max(cam.f * p.w * iz, minBarPx) / 2;
    setScreenMapping(paint, cam, bot[0] - hw, top, bot[1], iz);
    fillRect(fb, cam, bot[0] - hw, top, bot[0] + hw, bot[1], iz, paint);
  }
}

/** Camera-space depth of a primitive's nearest point (sort key only). */
function nearestDepth(cam: Camera, p: Prim): number {
  const zc = (X: number, Z: number): number => X * cam.sinYaw + Z * cam.cosYaw;
  if (p.type === 'poly') {
    let m = Infinity;
    for (let i = 0; i < p.pts.length; i += 3) m = Math.min(m, zc(p.pts[i]!, p.pts[i + 2]!));
    return m;
  }
  return zc(p.x, p.z);
}

/** Screen-space texture origin, scale (metres per pixel at depth 1/iz) and gradient rows. */
function setScreenMapping(paint: Paint, cam: Camera, ox: number, ymin: number, ymax: number, iz: number): void {
  paint.ox = ox;
  paint.oy = ymin;
  paint.mpp = 1 / (cam.f * Math.max(iz, 1e-9));
  paint.tex.y0 = ymin;
  paint.tex.yInvSpan = 1 / Math.max(1, ymax - ymin);
}

/** Lighting, fog, horizon glow and rain on the float image, then clamp to bytes. */
function finish(fb: FrameBuffers, cam: Camera, exposure: number, look: VariationLook, noiseSeed: number): Uint8Array {
  const { width, height, rgb, invz } = fb;
  if (look.rain) rainStreaks(fb, noiseSeed);
  const out = new Uint8Array(width * height * 3);
  const gain = exposure * look.brightness;
  const tr = look.tint[0] * gain,
    tg = look.tint[1] * gain,
    tb = look.tint[2] * gain;
  const sat = look.saturation;
  const [fr, fg, fbl] = look.fogColor;
  const [gr, gg, gb] = look.glow;
  const fogDensity = look.fogDensity;
  const glowFall = 1 / Math.max(1, 0.3 * height);
  for (let y = 0; y < height; y++) {
    const glow = look.glowStrength * 0.6 * Math.exp(-Math.abs(y + 0.5 - cam.cy) * glowFall);
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const k = i * 3;
      let r = rgb[k]! * tr,
        g = rgb[k + 1]! * tg,
        b = rgb[k + 2]! * tb;
      if (sat !== 1) {
        const l = 0.299 * r + 0.587 * g + 0.114 * b;
        r = l + (r - l) * sat;
        g = l + (g - l) * sat;
        b = l + (b - l) * sat;
      }
      if (glow > 0.002) {
        r += (gr - r) * glow;
        g += (gg - g) * glow;
        b += (gb - b) * glow;
      }
      if (fogDensity > 0) {
        const iz = invz[i]!;
        const f = iz > 0 ? 1 - Math.exp(-fogDensity / iz) : 1;
        r += (fr - r) * f;
        g += (fg - g) * f;
        b += (fbl - b) * f;
      }
      out[k] = r < 0 ? 0 : r > 255 ? 255 : r + 0.5;
      out[k + 1] = g < 0 ? 0 : g > 255 ? 255 : g + 0.5;
      out[k + 2] = b < 0 ? 0 : b > 255 ? 255 : b + 0.5;
    }
  }
  return out;
}

/** Light slanted streaks over the image (colour only, labels untouched). */
function rainStreaks(fb: FrameBuffers, seed: number): void {
  const rng = new Rng(seed ^ 0x7a1e);
  const { width, height, rgb } = fb;
  const n = Math.round((width * height) / 900);
  const len = Math.max(4, Math.round(height / 25));
  for (let s = 0; s < n; s++) {
    let x = rng.next() * width;
    const y0 = Math.floor(rng.next() * height);
    for (let k = 0; k < len; k++, x += 0.25) {
      const y = y0 + k;
      const xi = Math.floor(x);
      if (y >= height || xi >= width) break;
      const i = (y * width + xi) * 3;
      rgb[i] = rgb[i]! + 40;
      rgb[i + 1] = rgb[i + 1]! + 40;
      rgb[i + 2] = rgb[i + 2]! + 45;
    }
  }
}
