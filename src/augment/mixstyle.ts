// MixStyle (Zhou et al., ICLR 2021): with probability p, each sample's per-channel feature statistics
// (the "style" of early ResNet features) are mixed with another sample's, λ ~ Beta(α, α) per sample.
// No parameters or buffers, so state dicts stay torchvision's; the identity in eval mode.
import * as z from 'zod';
import { Module } from '../nn/index.js';
import { type Tensor, tensor, tidy } from '../tensor/index.js';
import { blend } from './blend.js';
import { beta, drawRng, permutation } from './random.js';
import { featureLayers, probability } from './schema-parts.js';
import { channelStats, restyle } from './stats.js';

/** `augment.mixStyle`: mixes per-channel feature statistics between samples (Zhou et al., ICLR 2021); the reference's defaults. */
export const MixStyleSchema = z.strictObject({
  layers: featureLayers,
  /** λ ~ Beta(α, α) per sample. */
  alpha: z.number().positive().default(0.1),
  /** Probability that a batch is mixed. */
  p: probability,
  eps: z.number().positive().default(1e-6),
});

/** Options of MixStyle: the `augment.mixStyle` fields it reads, each defaulting as there (p 0.5, α 0.1, eps 1e-6). */
export type MixStyleOptions = Omit<z.input<typeof MixStyleSchema>, 'layers'>;

const DEFAULTS = MixStyleSchema.parse({});

/** MixStyle with random shuffling across the batch. */
export class MixStyle extends Module {
  readonly p: number;
  readonly alpha: number;
  readonly eps: number;

  constructor(opts: MixStyleOptions = {}) {
    super();
    this.p = opts.p ?? DEFAULTS.p;
    this.alpha = opts.alpha ?? DEFAULTS.alpha;
    this.eps = opts.eps ?? DEFAULTS.eps;
  }

  forward(x: Tensor): Tensor {
    const n = x.shape[0]!;
    if (!this.training || n < 2) return x;
    const rng = drawRng();
    if (rng.random() >= this.p) return x;
    const lambda = Array.from({ length: n }, () => beta(rng, this.alpha, this.alpha));
    const perm = tensor(permutation(rng, n), [n], { device: x.device, dtype: 'int64' });
    return tidy(() => {
      const own = channelStats(x, this.eps);
      // statistics are detached, as in the reference: gradients flow through the normalised features only
      const mean = own.mean.detach();
      const std = own.std.detach();
      const mixed = {
        mean: blend(mean, mean.indexSelect(0, perm), lambda),
        std: blend(std, std.indexSelect(0, perm), lambda),
      };
      return restyle(x, { mean, std }, mixed);
    });
  }
}
