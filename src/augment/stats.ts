// Per-sample, per-channel feature statistics shared by AdaIN, MixStyle and DSU.
import type { Tensor } from '../tensor/index.js';

/** Mean and standard deviation over H,W of an N,C,H,W tensor (each N,C,1,1). */
export interface ChannelStats {
  mean: Tensor;
  std: Tensor;
}

/**
 * Per-channel mean and sqrt(unbiased variance + eps) over the spatial dims, as the methods' reference
 * code computes them (`x.var(dim=[2, 3])` is unbiased).
 */
export function channelStats(x: Tensor, eps: number): ChannelStats {
  const n = x.shape[2]! * x.shape[3]!;
  if (n < 2) throw new Error(`channelStats: need at least 2 spatial positions for an unbiased variance, got shape [${x.shape}]`);
  const mean = x.mean([2, 3], true);
  const variance = x
    .sub(mean)
    .pow(2)
    .sum([2, 3], true)
    .div(n - 1);
  return { mean, std: variance.add(eps).sqrt() };
}

/** Re-styles x: (x − mean) / std · newStd + newMean, where mean/std are x's own statistics. */
export function restyle(x: Tensor, own: ChannelStats, target: ChannelStats): Tensor {
  return x.sub(own.mean).div(own.std).mul(target.std).add(target.mean);
}
