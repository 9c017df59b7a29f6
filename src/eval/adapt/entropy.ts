// TENT's objective: the Shannon entropy of each pixel's predicted class distribution, averaged.
import type { Tensor } from '../../tensor/index.js';

/** Mean over images and pixels of −Σ_c p·log p, from N,C,H,W log-probabilities (differentiable). */
export function meanEntropy(logProbs: Tensor): Tensor {
  return logProbs.exp().mul(logProbs).sum(1).mean().neg();
}
