// Online hard example mining over pixels, with mmsegmentation's OHEMPixelSampler.sample semantics
// (mmseg/structures/sampler/ohem_pixel_sampler.py; 0.x: mmseg/core/seg/sampler/): per (micro-)batch,
// batch_kept = minKept × batch size;
//   thresh set: p = the softmax probability of the ground-truth class of each valid pixel; threshold =
//     max(thresh, the sorted p at index min(batch_kept, valid − 1)); pixels with p < threshold are kept. As in
//     mmseg, when batch_kept ≥ the valid pixels the threshold is the largest p, which that pixel then misses.
//   thresh null: the batch_kept valid pixels of largest (class-weighted) cross-entropy are kept.
// Ignored pixels are never kept. The mask carries no gradient (mmseg samples under torch.no_grad()).
import { IGNORE_INDEX } from '../data/label-spaces.js';
import type { Tensor } from '../tensor/index.js';
import * as T from '../tensor/index.js';
import { F } from '../tensor/index.js';
import type { OhemConfig } from './loss-schema.js';

/**
 * 1 for the pixels OHEM keeps, 0 elsewhere: float (N, H, W), from logits (N, C, H, W) and labels (N, H, W).
 * `pixelLoss`: the per-pixel (class-weighted) cross-entropy when the caller has it already (the loss mode ranks by it
 * instead of computing it again).
 */
export function ohemMask(logits: Tensor, labels: Tensor, cfg: OhemConfig, classWeights: Tensor | null, pixelLoss?: Tensor): Tensor {
  return T.noGrad(() => {
    const x = () => logits.detach().float();
    const invalid = labels.eq(IGNORE_INDEX);
    const valid = invalid.logicalNot();
    const batchKept = cfg.minKept * labels.shape[0]!;
    if (cfg.thresh !== null) {
      const prob = F.softmax(x(), 1).gather(1, labels.maskedFill(invalid, 0).unsqueeze(1)).squeeze(1);
      let threshold = cfg.thresh;
      const n = valid.sum().item();
      if (n > 0) {
        // probabilities are <= 1: the ignored pixels (2) sort after every valid one
        const sorted = prob.maskedFill(invalid, 2).flatten().sort().values;
        threshold = Math.max(threshold, sorted.select(0, Math.min(batchKept, n - 1)).item());
      }
      return prob.lt(threshold).logicalAnd(valid).float();
    }
    const loss =
      pixelLoss?.detach() ?? F.crossEntropy(x(), labels, { ignoreIndex: IGNORE_INDEX, reduction: 'none', ...(classWeights ? { weight: classWeights } : {}) });
    // the rank of each pixel in decreasing loss (ignored last): the inverse of the sorting permutation
    const rank = loss.maskedFill(invalid, -1).flatten().argsort(0, true).argsort(0);
    return rank.lt(batchKept).view(labels.shape).logicalAnd(valid).float();
  });
}
