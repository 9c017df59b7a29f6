// Strong photometric randomisation on the device batch: random channel permutation, inversion, grayscale,
// Gaussian blur and Gaussian noise, each per image. Colour jitter (brightness, contrast, saturation, hue) is `transforms.colorJitter`, applied
// per sample on the host with torchvision's exact arithmetic.
import * as z from 'zod';
import { F, randn, type Tensor, tensor, tidy } from '../tensor/index.js';
import { blend } from './blend.js';
import type { ImageAugment } from './image-augment.js';
import { drawRng, permutation, uniformIn } from './random.js';
import { orderedPair, range01, unitInterval } from './schema-parts.js';

/** `augment.photometric`: strong photometric randomisation on the device (colour jitter lives in `transforms.colorJitter`). */
export const PhotometricSchema = z.strictObject({
  /** Probability of turning an image grey (torchvision's rgb_to_grayscale). */
  grayscale: unitInterval.default(0),
  /** Probability of a Gaussian blur and its sigma range in pixels. */
  blur: unitInterval.default(0),
  blurSigma: orderedPair(z.number().positive()).default([0.1, 2]),
  /** Probability of additive Gaussian noise and its std range (image scale 0..1). */
  noise: unitInterval.default(0),
  noiseStd: range01.default([0, 0.05]),
  /** Probability of inverting the colours (torchvision RandomInvert). */
  invert: unitInterval.default(0),
  /** Probability of a random permutation of the colour channels (torchvision v2 RandomChannelPermutation). */
  channelShuffle: unitInterval.default(0),
});

type PhotometricConfig = z.output<typeof PhotometricSchema>;

/** Options of Photometric (probabilities per image): the validated `augment.photometric`; invert and channelShuffle may be left out (0). */
export type PhotometricOptions = Omit<PhotometricConfig, 'invert' | 'channelShuffle'> & Partial<Pick<PhotometricConfig, 'invert' | 'channelShuffle'>>;

/** torchvision's rgb_to_grayscale weights. */
const GRAY = [0.2989, 0.587, 0.114];

/** Normalised 1-d Gaussian taps of `sigma` over `size` (odd) taps; sigma 0 gives the identity filter. */
export function gaussianTaps(sigma: number, size: number): number[] {
  const r = (size - 1) / 2;
  if (sigma === 0) return Array.from({ length: size }, (_, i) => (i === r ? 1 : 0));
  const taps = Array.from({ length: size }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  return taps.map((t) => t / sum);
}

/** Channel permutation, inversion, grayscale, blur and noise with independent per-image draws. */
export class Photometric implements ImageAugment {
  readonly name = 'photometric';
  constructor(readonly opts: PhotometricOptions) {}

  apply(images: Tensor): Tensor {
    const rng = drawRng();
    const n = images.shape[0]!;
    const draw = (p: number, range: readonly [number, number]) => Array.from({ length: n }, () => (rng.random() < p ? uniformIn(rng, range) : 0));
    const gray = Array.from({ length: n }, () => (rng.random() < this.opts.grayscale ? 1 : 0));
    const sigmas = draw(this.opts.blur, this.opts.blurSigma);
    const stds = draw(this.opts.noise, this.opts.noiseStd);
    // drawn after the original three so that configs without them keep their draws
    const shuffles = Array.from({ length: n }, () => (rng.random() < (this.opts.channelShuffle ?? 0) ? permutation(rng, 3) : null));
    const inverts = Array.from({ length: n }, () => (rng.random() < (this.opts.invert ?? 0) ? 1 : 0));
    return tidy(() => {
      let x = images;
      if (shuffles.some((s) => s !== null)) x = this.shuffleChannels(x, shuffles);
      if (inverts.some((v) => v === 1)) x = blend(x.neg().add(1), x, inverts);
      if (gray.some((g) => g === 1)) x = this.grayscale(x, gray);
      if (sigmas.some((s) => s > 0)) x = this.blur(x, sigmas);
      if (stds.some((s) => s > 0)) x = this.noise(x, stds);
      return x;
    });
  }

  /** Gathers each image's channels in its drawn order (identity for images without a draw). */
  private shuffleChannels(x: Tensor, orders: (number[] | null)[]): Tensor {
    const c = x.shape[1]!;
    const index = orders.flatMap((o, i) => (o ?? [0, 1, 2]).map((ch) => i * c + ch));
    const planes = x.reshape([x.shape[0]! * c, ...x.shape.slice(2)]);
    return planes.indexSelect(0, tensor(index, [index.length], { device: x.device, dtype: 'int64' })).reshape(x.shape);
  }

  private grayscale(x: Tensor, mask: number[]): Tensor {
    const g = x
      .mul(tensor(GRAY, [1, 3, 1, 1], { device: x.device, dtype: 'float32' }))
      .sum(1, true)
      .expand(x.shape);
    return blend(g, x, mask);
  }

  /** Separable per-image Gaussian: a grouped conv over the N·3 planes with one kernel per image. */
  private blur(x: Tensor, sigmas: number[]): Tensor {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    // one odd size for the batch, covering ±3σ of the widest blur, and no wider than reflect padding allows
    const half = Math.min(Math.ceil(3 * Math.max(...sigmas)), h - 1, w - 1);
    const size = 2 * half + 1;
    const taps = sigmas.flatMap((s) => Array.from({ length: c }, () => gaussianTaps(s, size))).flat();
    const dev = { device: x.device, dtype: 'float32' as const };
    const planes = x.reshape([1, n * c, h, w]);
    const rows = F.conv2d(F.pad(planes, [half, half, 0, 0], 'reflect'), tensor(taps, [n * c, 1, 1, size], dev), null, { groups: n * c });
    const cols = F.conv2d(F.pad(rows, [0, 0, half, half], 'reflect'), tensor(taps, [n * c, 1, size, 1], dev), null, { groups: n * c });
    return cols.reshape([n, c, h, w]);
  }

  private noise(x: Tensor, stds: number[]): Tensor {
    const std = tensor(stds, [stds.length, 1, 1, 1], { device: x.device, dtype: 'float32' });
    return x.add(randn(x.shape, { device: x.device }).mul(std));
  }

  dispose(): void {}
}
