// Lovász-softmax (Berman, Triki & Blaschko, CVPR 2018): the convex Lovász extension of the Jaccard loss per class,
// as the authors' lovasz_losses.py computes it with per_image=False, classes='present' and the ignore label removed:
// every pixel of the batch in one list, the mean over the classes that appear in the batch's labels.
import { IGNORE_INDEX } from '../data/label-spaces.js';
import type { Tensor } from '../tensor/index.js';
import * as T from '../tensor/index.js';
import { F } from '../tensor/index.js';

/**
 * lovasz_grad along the last dim: the gradient of the Lovász extension with respect to the errors sorted in
 * decreasing order, from the ground truth (float 0/1) in that order.
 */
export function lovaszGrad(gtSorted: Tensor): Tensor {
  const p = gtSorted.size(-1);
  const d = gtSorted.dim() - 1;
  const gts = gtSorted.sum(d, true);
  const intersection = gts.sub(gtSorted.cumsum(d));
  const union = gts.add(gtSorted.neg().add(1).cumsum(d));
  const jaccard = intersection.div(union).neg().add(1);
  if (p === 1) return jaccard;
  return F.cat([jaccard.narrow(d, 0, 1), jaccard.narrow(d, 1, p - 1).sub(jaccard.narrow(d, 0, p - 1))], d);
}

/** The Lovász-softmax loss of logits (N, C, H, W) against labels (N, H, W), IGNORE_INDEX pixels left out. */
export function lovaszSoftmax(logits: Tensor, labels: Tensor): Tensor {
  const c = logits.shape[1]!;
  // classes × pixels: each class sorts its own row
  const probas = F.softmax(logits.float(), 1).transpose(0, 1).reshape([c, -1]);
  const flat = labels.flatten().unsqueeze(0);
  const fg = T.arange(c, { device: logits.device }).unsqueeze(1).eq(flat).float();
  const valid = flat.ne(IGNORE_INDEX);
  // ignored pixels sort after every valid one (errors are >= 0), so the cumulative sums over the valid pixels are
  // those of the list without them; their own terms are multiplied by 0 below
  const errors = fg.sub(probas).abs().maskedFill(valid.logicalNot(), -1);
  const { values, indices } = errors.sort(1, true);
  const keptSorted = valid.float().expand([c, -1]).gather(1, indices);
  const perClass = values
    .mul(keptSorted)
    .mul(lovaszGrad(fg.gather(1, indices)))
    .sum(1);
  const present = fg.sum(1).gt(0).float();
  // no labelled pixel: 0, as the reference's empty case
  return perClass.mul(present).sum().div(present.sum().clamp(1));
}
