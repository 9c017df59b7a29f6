// FDA's defining properties against a plain DFT written here: the phase spectrum is kept everywhere, the
// low band takes the style's amplitude (or the λ-mix), and every coefficient outside the band is unchanged.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { FourierAmplitudeMix, fourierAmplitudeMix, lowBandHalfWidth, StyleBank } from '../../src/augment/index.js';
import * as T from '../../src/tensor/index.js';

/** Full 2-d DFT of one h×w plane: [re, im] arrays indexed by k·w + l (frequencies 0..h-1, 0..w-1). */
function dft2(x: Float32Array | number[], h: number, w: number): [Float64Array, Float64Array] {
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  for (let k = 0; k < h; k++) {
    for (let l = 0; l < w; l++) {
      let sr = 0;
      let si = 0;
      for (let t = 0; t < h; t++) {
        for (let u = 0; u < w; u++) {
          const a = -2 * Math.PI * ((k * t) / h + (l * u) / w);
          sr += x[t * w + u]! * Math.cos(a);
          si += x[t * w + u]! * Math.sin(a);
        }
      }
      re[k * w + l] = sr;
      im[k * w + l] = si;
    }
  }
  return [re, im];
}

/** Whether frequency index k of an n-point DFT lies in -b..b. */
const inBand = (k: number, n: number, b: number) => Math.min(k, n - k) <= b;

function checkSpectra(lambda: number): void {
  const [h, w] = [12, 16];
  const beta = 0.2; // b = floor(12 · 0.2) = 2: a 5×5 band
  const b = lowBandHalfWidth(h, w, beta);
  assert.equal(b, 2);
  T.manualSeed(3);
  const x = T.rand([1, 1, h, w]);
  const s = T.rand([1, 1, h, w]).mul(2);
  const y = fourierAmplitudeMix(x, s, { beta, lambda: [lambda] });
  assert.deepEqual(y.shape, [1, 1, h, w]);
  const [xr, xi] = dft2(x.toArray() as Float32Array, h, w);
  const [sr, si] = dft2(s.toArray() as Float32Array, h, w);
  const [yr, yi] = dft2(y.toArray() as Float32Array, h, w);
  for (let k = 0; k < h; k++) {
    for (let l = 0; l < w; l++) {
      const i = k * w + l;
      const ax = Math.hypot(xr[i]!, xi[i]!);
      const ay = Math.hypot(yr[i]!, yi[i]!);
      if (inBand(k, h, b) && inBand(l, w, b)) {
        const as = Math.hypot(sr[i]!, si[i]!);
        assert.ok(Math.abs(ay - ((1 - lambda) * ax + lambda * as)) < 1e-3 * (1 + as), `amplitude at (${k},${l}): ${ay} vs mix of ${ax}, ${as}`);
      } else {
        assert.ok(Math.abs(yr[i]! - xr[i]!) < 1e-3 && Math.abs(yi[i]! - xi[i]!) < 1e-3, `coefficient (${k},${l}) outside the band changed`);
      }
      // the phase is x's: y's coefficient is a non-negative multiple of x's
      if (ax > 1e-3) {
        const cross = xr[i]! * yi[i]! - xi[i]! * yr[i]!;
        const dot = xr[i]! * yr[i]! + xi[i]! * yi[i]!;
        assert.ok(Math.abs(cross) < 1e-3 * ax * (1 + ay) && dot >= -1e-6, `phase at (${k},${l}) changed`);
      }
    }
  }
  for (const t of [x, s, y]) t.dispose();
}

test('FDA swap (λ = 1): the low band has the style amplitude, the phase is kept, the rest is unchanged', () => checkSpectra(1));
test('Fourier amplitude mixing (λ = 0.4): the low band amplitude is the λ-mix', () => checkSpectra(0.4));

test('the band half-width is floor(min(H, W)·β), below the Nyquist frequency', () => {
  assert.equal(lowBandHalfWidth(32, 64, 0.01), 0);
  assert.equal(lowBandHalfWidth(100, 64, 0.1), 6);
  assert.equal(lowBandHalfWidth(8, 8, 0.5), 3);
});

test('FDA augmentation: same seed, same output; λ = 0 everywhere (p = 0) returns the batch unchanged', () => {
  const x = T.rand([3, 3, 16, 20]);
  const aug = new FourierAmplitudeMix({ beta: 0.1, mix: [0.5, 1], p: 1, styles: null });
  T.manualSeed(11);
  const a = aug.apply(x);
  T.manualSeed(11);
  const b = aug.apply(x);
  assert.deepEqual(a.shape, x.shape);
  assert.deepEqual(a.toArray(), b.toArray());
  assert.ok(a.sub(x).abs().amax().item() > 1e-4, 'the batch was augmented');
  const off = new FourierAmplitudeMix({ beta: 0.1, mix: [1, 1], p: 0, styles: null });
  assert.equal(off.apply(x), x);
  for (const t of [x, a, b]) t.dispose();
});

test('a style folder is read once and resized to the batch size', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-styles-'));
  try {
    for (const [i, [w, h]] of (
      [
        [10, 7],
        [5, 9],
      ] as const
    ).entries()) {
      await sharp(Buffer.alloc(w * h * 3, 40 + 100 * i), { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toFile(path.join(dir, `s${i}.png`));
    }
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
    const bank = await StyleBank.load(dir, 'cpu', 'augment.fourier.styleDir');
    assert.equal(bank.count, 2);
    const aug = new FourierAmplitudeMix({ beta: 0.1, mix: [1, 1], p: 1, styles: bank });
    const x = T.rand([2, 3, 12, 16]);
    const y = aug.apply(x);
    assert.deepEqual(y.shape, [2, 3, 12, 16]);
    // a constant style image has all its amplitude at DC: the image's mean becomes the style's grey level
    const means = Array.from(y.mean([1, 2, 3]).toArray() as Float32Array);
    for (const m of means) assert.ok(Math.abs(m - 40 / 255) < 1e-4 || Math.abs(m - 140 / 255) < 1e-4, `mean ${m}`);
    aug.dispose();
    x.dispose();
    y.dispose();
    await assert.rejects(StyleBank.load(path.join(dir, 'missing'), 'cpu', 'augment.fourier.styleDir'), /augment\.fourier\.styleDir: not a directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
