// Label maps to RGB pictures.

import { IGNORE_INDEX } from '../data/label-spaces.js';

/** An RGB colour, components 0..255. */
export type Rgb = readonly [number, number, number];

/** A class index → colour table (index = label-space class index). */
export type Palette = readonly Rgb[];

/** Colour of ignored pixels (label IGNORE_INDEX) and of indices the palette lacks. */
export const IGNORE_COLOR: Rgb = [0, 0, 0];

/** Colours a HW label map (class indices, IGNORE_INDEX = ignore) into an HWC RGB buffer. */
export function colorize(label: ArrayLike<number>, palette: Palette, ignoreColor: Rgb = IGNORE_COLOR): Buffer {
  const out = Buffer.alloc(label.length * 3);
  for (let i = 0; i < label.length; i++) {
    const c = palette[label[i]!] ?? ignoreColor;
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}

/** Alpha-blends the label colours over an HWC RGB image; ignored pixels keep the image. */
export function overlay(image: Uint8Array, label: ArrayLike<number>, palette: Palette, alpha = 0.5): Buffer {
  if (image.length !== label.length * 3) {
    throw new Error(`overlay: image has ${image.length} bytes but the label map has ${label.length} pixels (expected ${label.length * 3} bytes)`);
  }
  const out = Buffer.from(image);
  for (let i = 0; i < label.length; i++) {
    const c = palette[label[i]!];
    if (!c) continue;
    for (let k = 0; k < 3; k++) out[3 * i + k] = Math.round((1 - alpha) * image[3 * i + k]! + alpha * c[k]!);
  }
  return out;
}

/** Colours used by `errorMap`. */
export const ERROR_COLORS = {
  correct: [32, 160, 96] as Rgb,
  wrong: [220, 40, 40] as Rgb,
  ignored: [0, 0, 0] as Rgb,
};

/** Per-pixel correctness picture: correct green, wrong red, ignored (gt IGNORE_INDEX) black. */
export function errorMap(target: ArrayLike<number>, pred: ArrayLike<number>, ignoreIndex = IGNORE_INDEX): Buffer {
  if (target.length !== pred.length) throw new Error(`errorMap: target has ${target.length} pixels, prediction ${pred.length}`);
  const out = Buffer.alloc(target.length * 3);
  for (let i = 0; i < target.length; i++) {
    const c = target[i] === ignoreIndex ? ERROR_COLORS.ignored : target[i] === pred[i] ? ERROR_COLORS.correct : ERROR_COLORS.wrong;
    out[3 * i] = c[0];
    out[3 * i + 1] = c[1];
    out[3 * i + 2] = c[2];
  }
  return out;
}

/** Parses '#rrggbb' (or an [r,g,b] triple) into an Rgb; throws naming the value otherwise. */
export function toRgb(c: string | readonly number[]): Rgb {
  if (typeof c === 'string') {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
    if (!m) throw new Error(`colour ${JSON.stringify(c)} is not #rrggbb`);
    return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
  }
  if (c.length !== 3 || c.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) throw new Error(`colour ${JSON.stringify(c)} is not [r, g, b] in 0..255`);
  return [c[0]!, c[1]!, c[2]!];
}

/** '#rrggbb' of an Rgb. */
export function rgbHex(c: Rgb): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
