// AdaIN stylisation (Huang & Belongie, ICCV 2017), the Stylized-ImageNet recipe: the image's relu4_1 VGG
// features take a style image's per-channel mean and std, and the decoder renders them back. The weights
// are the user's (naoto0804/pytorch-AdaIN's vgg_normalised.pth and decoder.pth); nothing is downloaded.
import * as z from 'zod';
import type { Sequential } from '../nn/index.js';
import { type Device, F, noGrad, type Tensor, tidy } from '../tensor/index.js';
import { adainDecoder, loadAdaINWeights, vggEncoder } from './adain-nets.js';
import { blend } from './blend.js';
import type { ImageAugment } from './image-augment.js';
import { drawRng, uniformIn } from './random.js';
import { probability, range01 } from './schema-parts.js';
import { channelStats, restyle } from './stats.js';
import { type StyleBank, styleImages } from './style-bank.js';

/** `augment.adain`: AdaIN stylisation with user-supplied VGG weights (Huang & Belongie 2017; naoto0804/pytorch-AdaIN files). */
export const AdaINSchema = z.strictObject({
  /** vgg_normalised.pth (VGG-19 encoder; layers up to relu4_1 are used). */
  vgg: z.string().min(1),
  /** decoder.pth */
  decoder: z.string().min(1),
  /** Style images; omitted: another image of the batch. */
  styleDir: z.string().min(1).optional(),
  /** Stylisation strength range (1 = full style, 0 = the autoencoder's reconstruction), drawn per image. */
  alpha: range01.default([1, 1]),
  /** Probability that an image is stylised. */
  p: probability,
});

/** The reference implementation's eps in calc_mean_std. */
const ADAIN_EPS = 1e-5;

/** The VGG encoder's total stride: inputs are padded to a multiple of it so the decoder restores the size. */
const ENCODER_STRIDE = 8;

/** Encoder + decoder: AdaIN style transfer of content images to style images, with strength alpha. */
export class AdaINStylizer {
  constructor(
    readonly encoder: Sequential,
    readonly decoder: Sequential,
  ) {
    encoder.eval();
    decoder.eval();
  }

  /** Reads the two weight files (naoto0804 layout) onto `device`. */
  static async load(files: { vgg: string; decoder: string }, device: Device): Promise<AdaINStylizer> {
    const enc = vggEncoder();
    const dec = adainDecoder();
    try {
      await loadAdaINWeights(enc, files.vgg, 'augment.adain.vgg');
      await loadAdaINWeights(dec, files.decoder, 'augment.adain.decoder');
      return new AdaINStylizer(enc.to(device), dec.to(device));
    } catch (e) {
      enc.dispose();
      dec.dispose();
      throw e;
    }
  }

  /**
   * Stylises content (N,3,H,W in [0, 1]) with style (N,3,h,w in [0, 1]); alpha per image (1 = full style,
   * 0 = the autoencoder's reconstruction). Returns N,3,H,W, unclamped. No gradients.
   */
  stylize(content: Tensor, style: Tensor, alpha: number[]): Tensor {
    const [, , h, w] = content.shape as [number, number, number, number];
    return noGrad(() =>
      tidy(() => {
        const ph = (ENCODER_STRIDE - (h % ENCODER_STRIDE)) % ENCODER_STRIDE;
        const pw = (ENCODER_STRIDE - (w % ENCODER_STRIDE)) % ENCODER_STRIDE;
        const padded = ph + pw > 0 ? F.pad(content, [0, pw, 0, ph], 'reflect') : content;
        const fc = this.encoder.forward(padded);
        const fs = this.encoder.forward(style);
        const cs = channelStats(fc, ADAIN_EPS);
        const t = restyle(fc, cs, channelStats(fs, ADAIN_EPS));
        const out = this.decoder.forward(blend(t, fc, alpha));
        return out.narrow(2, 0, h).narrow(3, 0, w).contiguous();
      }),
    );
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

/** Options of AdaINStylization: the validated `augment.adain` with its weights and style folder loaded. */
export type AdaINOptions = Pick<z.output<typeof AdaINSchema>, 'alpha' | 'p'> & {
  stylizer: AdaINStylizer;
  /** Style images; null: another image of the batch. */
  styles: StyleBank | null;
};

/** AdaIN as a batch augmentation: each image, with probability p, is re-rendered in a style image's style. */
export class AdaINStylization implements ImageAugment {
  readonly name = 'adain';
  constructor(readonly opts: AdaINOptions) {}

  apply(images: Tensor): Tensor {
    const rng = drawRng();
    const n = images.shape[0]!;
    const chosen = Array.from({ length: n }, () => rng.random() < this.opts.p);
    const alpha = chosen.map((c) => (c ? uniformIn(rng, this.opts.alpha) : 0));
    if (!chosen.some(Boolean)) return images;
    return tidy(() => {
      const stylized = this.opts.stylizer.stylize(images, styleImages(this.opts.styles, images, rng), alpha);
      // images not chosen stay as they are (not the autoencoder's reconstruction)
      return blend(stylized, images, chosen.map(Number));
    });
  }

  dispose(): void {
    this.opts.stylizer.dispose();
    this.opts.styles?.dispose();
  }
}
