// DeepLabV3 training loss: cross-entropy over the main head (+ 0.5 × the aux head), 255 ignored,
// as torchvision's segmentation reference computes it.

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

/** Cross-entropy of the main output plus AUX_WEIGHT × the aux output when present. */
export function segmentationLoss(outputs: SegOutputs, labels: Tensor): Tensor {
  const main = F.crossEntropy(outputs.out, labels, { ignoreIndex: IGNORE_INDEX });
  if (!outputs.aux) return main;
  return main.add(F.crossEntropy(outputs.aux, labels, { ignoreIndex: IGNORE_INDEX }), AUX_WEIGHT);
}
