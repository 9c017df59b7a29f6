// Drawing a fractal instance: its attractor rasterised into a mask (the shape, fixed per instance), then painted
// as an RGB image with a random texture inside and another outside (new ones for every image drawn).
import { Rng } from '../synth/prng.js';
import { chaosGame, type FractalInstance, fitToGrid } from './ifs.js';
import { randomTexturePair, textureAt } from './texture.js';

/** Chaos-game points per canvas pixel: enough to fill the attractor's outline at the canvas's resolution. */
export const POINTS_PER_PIXEL = 2;

/** The instance's attractor as a size × size mask (1: fractal, 0: background), centred, `scale` of the side. */
export function drawMask(inst: FractalInstance, size: number): Uint8Array {
  const mask = new Uint8Array(size * size);
  const points = chaosGame(inst.ifs, POINTS_PER_PIXEL * size * size, new Rng(inst.pointSeed));
  // generateInstance keeps only systems that converge; a diverging one would draw nothing
  if (points === null) return mask;
  const span = Math.max(1, Math.round(size * inst.scale));
  const margin = Math.floor((size - span) / 2);
  const fit = fitToGrid(points, span);
  const stamp = inst.patch ? 2 : 1;
  for (let i = 0; i < points.length; i += 2) {
    let gx = margin + Math.floor(points[i]! * fit.scale + fit.offsetX);
    let gy = margin + Math.floor(points[i + 1]! * fit.scale + fit.offsetY);
    if (inst.flipX) gx = size - stamp - gx;
    if (inst.flipY) gy = size - stamp - gy;
    for (let y = gy; y < gy + stamp; y++) {
      if (y < 0 || y >= size) continue;
      for (let x = gx; x < gx + stamp; x++) if (x >= 0 && x < size) mask[y * size + x] = 1;
    }
  }
  return mask;
}

/** Where the mask lands in the image: a shift (a random crop of a padded image) and a horizontal flip. */
export interface View {
  dx: number;
  dy: number;
  flip: boolean;
}

/** The identity view. */
export const PLAIN_VIEW: View = { dx: 0, dy: 0, flip: false };

/**
 * Paints one size × size RGB image (channel-major, uint8) into `out` at `offset`: the mask seen through `view`,
 * the fractal and the background each with a texture drawn from `rng`.
 */
export function paintImage(mask: Uint8Array, size: number, rng: Rng, view: View, out: Uint8Array, offset: number): void {
  const { fg, bg } = randomTexturePair(rng);
  const plane = size * size;
  const rgb = new Float64Array(3);
  for (let y = 0; y < size; y++) {
    const sy = y - view.dy;
    for (let x = 0; x < size; x++) {
      const sx0 = x - view.dx;
      const sx = view.flip ? size - 1 - sx0 : sx0;
      const inside = sx >= 0 && sx < size && sy >= 0 && sy < size && mask[sy * size + sx] === 1;
      textureAt(inside ? fg : bg, x, y, rng, rgb);
      const at = offset + y * size + x;
      for (let c = 0; c < 3; c++) out[at + c * plane] = Math.max(0, Math.min(255, Math.round(rgb[c]!)));
    }
  }
}
