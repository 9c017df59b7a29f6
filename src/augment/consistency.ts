// The consistency loss RandConv and SHADE add: predictions on the original and the augmented view of the
// same images should agree, whatever the texture.
import * as z from 'zod';
import { F, type Tensor, tidy } from '../tensor/index.js';

/** `augment.consistency`: Jensen–Shannon consistency between predictions on the original and the augmented view. */
export const ConsistencySchema = z.strictObject({
  /** Weight of the divergence term added to the segmentation loss. */
  weight: z.number().positive().default(1),
});

/**
 * Jensen–Shannon divergence between the per-pixel class distributions of two N,K,H,W logit tensors,
 * ½·KL(p‖m) + ½·KL(q‖m) with m = (p + q)/2, averaged over pixels (mixture clamped at 1e-7, as RandConv's code).
 */
export function jsDivergence(a: Tensor, b: Tensor): Tensor {
  if (a.shape.join() !== b.shape.join()) throw new Error(`jsDivergence: shapes [${a.shape}] and [${b.shape}] differ`);
  return tidy(() => {
    const p = F.softmax(a, 1);
    const q = F.softmax(b, 1);
    const logM = p.add(q).div(2).clamp(1e-7, 1).log();
    // Σ_k p_k (log p_k − log m_k), with log p from log_softmax for accuracy
    const kl = (pr: Tensor, logits: Tensor) => pr.mul(F.logSoftmax(logits, 1).sub(logM)).sum(1);
    return kl(p, a).add(kl(q, b)).div(2).mean();
  });
}
