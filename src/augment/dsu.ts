// DSU, domain shifts with uncertainty (Li et al., ICLR 2022): with probability p, each sample's per-channel
// feature mean and std are resampled from Gaussians centred on them, whose spread is the statistics'
// variance across the batch. No parameters or buffers; the identity in eval mode.
import * as z from 'zod';
import { Module } from '../nn/index.js';
import { randn, type Tensor, tidy } from '../tensor/index.js';
import { drawRng } from './random.js';
import { featureLayers, probability } from './schema-parts.js';
import { channelStats, restyle } from './stats.js';

/** `augment.dsu`: resamples feature statistics with uncertainty estimated over the batch (Li et al., ICLR 2022); the reference's defaults. */
export const DSUSchema = z.strictObject({
  layers: featureLayers,
  /** Probability that a batch is resampled. */
  p: probability,
  eps: z.number().positive().default(1e-6),
});

/** Options of DSU: the `augment.dsu` fields it reads, each defaulting as there (p 0.5, eps 1e-6). */
export type DSUOptions = Omit<z.input<typeof DSUSchema>, 'layers'>;

const DEFAULTS = DSUSchema.parse({});

/** sqrt(unbiased variance over the batch + eps) of N,C,1,1 statistics, broadcast back to N,C,1,1. */
function batchSpread(s: Tensor, eps: number): Tensor {
  const n = s.shape[0]!;
  const mean = s.mean(0, true);
  return s
    .sub(mean)
    .pow(2)
    .sum(0, true)
    .div(n - 1)
    .add(eps)
    .sqrt()
    .expand(s.shape);
}

/** DistributionUncertainty as the reference implements it (statistics not detached). */
export class DSU extends Module {
  readonly p: number;
  readonly eps: number;

  constructor(opts: DSUOptions = {}) {
    super();
    this.p = opts.p ?? DEFAULTS.p;
    this.eps = opts.eps ?? DEFAULTS.eps;
  }

  forward(x: Tensor): Tensor {
    // the batch variance of the statistics needs two samples
    if (!this.training || x.shape[0]! < 2) return x;
    if (drawRng().random() >= this.p) return x;
    return tidy(() => {
      const own = channelStats(x, this.eps);
      const resample = (s: Tensor) => s.add(randn(s.shape, { device: x.device }).mul(batchSpread(s, this.eps)));
      return restyle(x, own, { mean: resample(own.mean), std: resample(own.std) });
    });
  }
}
