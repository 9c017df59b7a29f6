// DeepLabV3 training loss: cross-entropy over the main head (+ 0.5 × the aux head), 255 ignored,
// as torchvision's segmentation reference computes it; with a cue-conflict batch (augment.debias), against the
// per-pixel soft target γ·onehot(label) + (1 − γ)·onehot(texture class).

import type { TextureTarget } from '../augment/image-augment.js';
import { IGNORE_INDEX } from '../data/label-spaces.js';
import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';

// re-exported for src/train's index; defined once in src/data/label-spaces.ts
export { IGNORE_INDEX } from '../data/label-spaces.js';

/** Weight of the auxiliary head's loss (torchvision reference). */
export const AUX_WEIGHT = 0.5;

/** Model outputs as torchvision's DeepLabV3 returns them. */
export interface SegOutputs {
  out: Tensor;
  aux?: Tensor | undefined;
}

/**
 * Per-pixel cross-entropy against γ·onehot(label) + (1 − γ)·onehot(texture class), N,H,W (0 where the label is ignored).
 * Written CE(y) + (1 − γ)·(CE(t) − CE(y)): a pixel wearing its own class's texture (t = y) gets exactly CE(y).
 */
export function softTargetPixelLoss(logits: Tensor, labels: Tensor, texture: TextureTarget): Tensor {
  const shape = F.crossEntropy(logits, labels, { ignoreIndex: IGNORE_INDEX, reduction: 'none' });
  const cue = F.crossEntropy(logits, texture.labels, { ignoreIndex: IGNORE_INDEX, reduction: 'none' });
  return shape.add(cue.sub(shape), 1 - texture.shapeWeight);
}

/** One head's loss: the mean cross-entropy over the labelled pixels, against the soft target where one is given. */
function headLoss(logits: Tensor, labels: Tensor, texture: TextureTarget | undefined): Tensor {
  // γ = 1 is the plain loss itself, not a numerically equal one
  if (!texture || texture.shapeWeight === 1) return F.crossEntropy(logits, labels, { ignoreIndex: IGNORE_INDEX });
  return softTargetPixelLoss(logits, labels, texture).sum().div(labels.ne(IGNORE_INDEX).sum());
}

/** Cross-entropy of the main output plus AUX_WEIGHT × the aux output when present; `texture`: the cue-conflict soft target. */
export function segmentationLoss(outputs: SegOutputs, labels: Tensor, texture?: TextureTarget): Tensor {
  const main = headLoss(outputs.out, labels, texture);
  if (!outputs.aux) return main;
  return main.add(headLoss(outputs.aux, labels, texture), AUX_WEIGHT);
}
