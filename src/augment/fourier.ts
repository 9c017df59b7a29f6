// Fourier domain adaptation (FDA, Yang & Soatto, CVPR 2020): the low-frequency amplitude spectrum of an
// image is swapped for (or mixed with) a style image's, the phase kept. libtorch's FFT is not bound in the
// addon, so the band is computed with explicit DFT rows as matmuls: only the (2b+1)² changed coefficients
// are needed, and the change is added back through the inverse DFT of the difference, which is exact.
import * as z from 'zod';
import { type Device, F, type Tensor, tensor, tidy } from '../tensor/index.js';
import { blend } from './blend.js';
import type { ImageAugment } from './image-augment.js';
import { drawRng, uniformIn } from './random.js';
import { probability, range01 } from './schema-parts.js';
import { type StyleBank, styleImages } from './style-bank.js';

/** `augment.fourier`: low-frequency amplitude swap/mix (FDA, Yang & Soatto, CVPR 2020). */
export const FourierSchema = z.strictObject({
  /** Size of the low-frequency square as a fraction of min(H, W) (FDA's β / L). */
  beta: z.number().positive().max(0.5).default(0.01),
  /** Range of the weight of the style amplitude (1 = FDA's swap), drawn per image. */
  mix: range01.default([1, 1]),
  /** Style amplitudes from another image of the batch, or from a folder of images. */
  styleDir: z.string().min(1).optional(),
  /** Probability that an image is augmented. */
  p: probability,
});

/** cos and sin rows 2π·f·t/n for the frequencies f = -b..b (each 2b+1 x n). */
function dftRows(n: number, b: number, device: Device): { cos: Tensor; sin: Tensor } {
  const k = 2 * b + 1;
  const c = new Float32Array(k * n);
  const s = new Float32Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let t = 0; t < n; t++) {
      // (f·t mod n) keeps the angle small, so float32 rows stay accurate for large images
      const a = (2 * Math.PI * ((((i - b) * t) % n) + n)) / n;
      c[i * n + t] = Math.cos(a);
      s[i * n + t] = Math.sin(a);
    }
  }
  return { cos: tensor(c, [k, n], { device }), sin: tensor(s, [k, n], { device }) };
}

/** Half-width b of FDA's low-frequency square: floor(min(H, W)·β), kept below the Nyquist frequency. */
export function lowBandHalfWidth(height: number, width: number, betaValue: number): number {
  const m = Math.min(height, width);
  return Math.max(0, Math.min(Math.floor(m * betaValue), Math.floor((m - 1) / 2)));
}

/** Options of fourierAmplitudeMix(). */
export interface AmplitudeMixOptions {
  /** FDA's β: half-width of the low band as a fraction of min(H, W). */
  beta: number;
  /** Per-image weight of the style amplitude (1 = swap), length N. */
  lambda: number[];
}

/**
 * FDA on float images x and style (both N,C,H,W): in the band |f_h|, |f_w| <= b the amplitude becomes
 * (1 − λ)·|X| + λ·|S| with X's phase; every other coefficient, and so the rest of the image, is unchanged.
 */
export function fourierAmplitudeMix(x: Tensor, style: Tensor, opts: AmplitudeMixOptions): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  if (style.shape.join() !== x.shape.join()) throw new Error(`fourierAmplitudeMix: style shape [${style.shape}] differs from image shape [${x.shape}]`);
  if (opts.lambda.length !== n) throw new Error(`fourierAmplitudeMix: expected ${n} lambda values, got ${opts.lambda.length}`);
  return tidy(() => {
    const b = lowBandHalfWidth(h, w, opts.beta);
    const rh = dftRows(h, b, x.device);
    const rw = dftRows(w, b, x.device);
    // X = (C_h − iS_h) x (C_w − iS_w)^T
    const spectrum = (img: Tensor) => {
      const p = img.matmul(rw.cos.transpose(0, 1));
      const q = img.matmul(rw.sin.transpose(0, 1));
      const re = rh.cos.matmul(p).sub(rh.sin.matmul(q));
      const im = rh.sin.matmul(p).add(rh.cos.matmul(q)).neg();
      return { re, im, amp: re.pow(2).add(im.pow(2)).sqrt() };
    };
    const src = spectrum(x);
    const sty = spectrum(style);
    const amp = blend(sty.amp, src.amp, opts.lambda);
    // unit phasor of X; a zero coefficient has phase 0 (numpy's angle(0))
    const nonzero = src.amp.gt(1e-12);
    const safe = F.where(nonzero, src.amp, 1);
    const dRe = amp.mul(F.where(nonzero, src.re.div(safe), 1)).sub(src.re);
    const dIm = amp.mul(F.where(nonzero, src.im.div(safe), 0)).sub(src.im);
    // Δx = Re[(C_h + iS_h)^T ΔX (C_w + iS_w)] / (H·W); the band is Hermitian-symmetric, so this is exact
    const mRe = rh.cos.transpose(0, 1).matmul(dRe).sub(rh.sin.transpose(0, 1).matmul(dIm));
    const mIm = rh.cos.transpose(0, 1).matmul(dIm).add(rh.sin.transpose(0, 1).matmul(dRe));
    const delta = mRe.matmul(rw.cos).sub(mIm.matmul(rw.sin));
    return x.add(delta.div(h * w));
  });
}

/** Options of FourierAmplitudeMix: the validated `augment.fourier` with its style folder loaded. */
export type FourierOptions = Pick<z.output<typeof FourierSchema>, 'beta' | 'mix' | 'p'> & {
  /** Style images; null: another image of the batch (a random permutation). */
  styles: StyleBank | null;
};

/** FDA as a batch augmentation: each image, with probability p, takes a style image's low-frequency amplitude. */
export class FourierAmplitudeMix implements ImageAugment {
  readonly name = 'fourier';
  constructor(readonly opts: FourierOptions) {}

  apply(images: Tensor): Tensor {
    const rng = drawRng();
    const n = images.shape[0]!;
    const lambda = Array.from({ length: n }, () => (rng.random() < this.opts.p ? uniformIn(rng, this.opts.mix) : 0));
    if (lambda.every((l) => l === 0)) return images;
    return tidy(() => fourierAmplitudeMix(images, styleImages(this.opts.styles, images, rng), { beta: this.opts.beta, lambda }));
  }

  dispose(): void {
    this.opts.styles?.dispose();
  }
}
