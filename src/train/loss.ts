// DeepLabV3 training loss: cross-entropy over the main head (+ 0.5 × the aux head), 255 ignored,
// as torchvision's segmentation reference computes it; with a cue-conflict batch (augment.debias), against the
// per-pixel soft target γ·onehot(label) + (1 − γ)·onehot(texture class). train.loss adds (src/train/loss-schema.ts):
// class weights on the cross-entropy of both heads, OHEM pixel sampling and a Lovász-softmax term on the main head
// only (the aux head stays a cross-entropy regulariser, as mmseg's auxiliary heads do).

import type { TextureTarget } from '../augment/image-augment.js';
import { IGNORE_INDEX } from '../data/label-spaces.js';
import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import type { OhemConfig } from './loss-schema.js';
import { lovaszSoftmax } from './lovasz.js';
import { ohemMask } from './ohem.js';

// re-exported for src/train's index; defined once in src/data/label-spaces.ts
export { IGNORE_INDEX } from '../data/label-spaces.js';

/** Weight of the auxiliary head's loss (torchvision reference). */
export const AUX_WEIGHT = 0.5;

/** Model outputs as torchvision's DeepLabV3 returns them. */
export interface SegOutputs {
  out: Tensor;
  aux?: Tensor | undefined;
}

/** train.loss resolved for a run: the class weights as a float32 tensor on the training device. */
export interface SegLossOptions {
  /** Weight of the main head's cross-entropy. */
  crossEntropy: number;
  /** Weight of the main head's Lovász-softmax term (0: none). */
  lovasz: number;
  /** Per-class cross-entropy weights (C), or null. */
  classWeights: Tensor | null;
  /** OHEM pixel sampling of the main head's cross-entropy, or null. */
  ohem: OhemConfig | null;
}

/**
 * Per-pixel cross-entropy against γ·onehot(label) + (1 − γ)·onehot(texture class), N,H,W (0 where the label is ignored).
 * Written CE(y) + (1 − γ)·(CE(t) − CE(y)): a pixel wearing its own class's texture (t = y) gets exactly CE(y).
 * With class weights w: γ·w_y·CE(y) + (1 − γ)·w_t·CE(t), PyTorch's weighted cross-entropy of the soft target.
 */
export function softTargetPixelLoss(logits: Tensor, labels: Tensor, texture: TextureTarget, weight?: Tensor): Tensor {
  const opts = { ignoreIndex: IGNORE_INDEX, reduction: 'none' as const, ...(weight ? { weight } : {}) };
  const shape = F.crossEntropy(logits, labels, opts);
  const cue = F.crossEntropy(logits, texture.labels, opts);
  return shape.add(cue.sub(shape), 1 - texture.shapeWeight);
}

/** w[label] per pixel (N, H, W), 0 where the label is ignored. */
function pixelClassWeights(labels: Tensor, weight: Tensor): Tensor {
  const invalid = labels.eq(IGNORE_INDEX);
  return weight.indexSelect(0, labels.maskedFill(invalid, 0).flatten()).view(labels.shape).maskedFill(invalid, 0);
}

/**
 * One head's cross-entropy: the mean over the labelled pixels, against the soft target where one is given.
 * With class weights the mean is weighted, Σ w_y·CE / Σ w_y (F.cross_entropy's). With OHEM it runs over the kept
 * pixels only (Σ_kept w_y·CE / Σ_kept w_y): mmseg divides by every pixel of the batch instead (avg_non_ignore
 * false), which shrinks the loss and its gradients with the kept fraction; over the kept pixels the scale, and so
 * the learning rate, does not depend on how many are kept, and thresh 1 is exactly the plain cross-entropy.
 */
function crossEntropyTerm(logits: Tensor, labels: Tensor, texture: TextureTarget | undefined, weight: Tensor | null, ohem: OhemConfig | null): Tensor {
  // γ = 1 is the plain loss itself, not a numerically equal one
  const soft = texture !== undefined && texture.shapeWeight !== 1;
  if (!soft && !ohem) return F.crossEntropy(logits, labels, { ignoreIndex: IGNORE_INDEX, ...(weight ? { weight } : {}) });
  if (soft) {
    const pixel = softTargetPixelLoss(logits, labels, texture, weight ?? undefined);
    if (!weight) return pixel.sum().div(labels.ne(IGNORE_INDEX).sum());
    const g = texture.shapeWeight;
    return pixel.sum().div(
      pixelClassWeights(labels, weight)
        .mul(g)
        .add(pixelClassWeights(texture.labels, weight), 1 - g)
        .sum(),
    );
  }
  const pixel = F.crossEntropy(logits, labels, { ignoreIndex: IGNORE_INDEX, reduction: 'none', ...(weight ? { weight } : {}) });
  const kept = ohemMask(logits, labels, ohem!, weight, pixel);
  const denominator = weight ? pixelClassWeights(labels, weight).mul(kept) : kept;
  // nothing kept (mmseg's sampler keeps none of a single valid pixel): 0, not 0/0
  return pixel.mul(kept).sum().div(denominator.sum().clamp(1e-12));
}

/**
 * The training loss: crossEntropy × CE + lovasz × Lovász-softmax of the main output, plus AUX_WEIGHT × the aux
 * output's CE when present; `texture`: the cue-conflict soft target; `options` absent: plain cross-entropy.
 */
export function segmentationLoss(outputs: SegOutputs, labels: Tensor, texture?: TextureTarget, options?: SegLossOptions): Tensor {
  const o = options ?? { crossEntropy: 1, lovasz: 0, classWeights: null, ohem: null };
  let main: Tensor | null = null;
  if (o.crossEntropy > 0) {
    const ce = crossEntropyTerm(outputs.out, labels, texture, o.classWeights, o.ohem);
    main = o.crossEntropy === 1 ? ce : ce.mul(o.crossEntropy);
  }
  if (o.lovasz > 0) {
    const lovasz = lovaszSoftmax(outputs.out, labels);
    main = main ? main.add(lovasz, o.lovasz) : lovasz.mul(o.lovasz);
  }
  if (main === null) throw new Error('train.loss: crossEntropy and lovasz are both 0');
  if (!outputs.aux) return main;
  // OHEM samples the main head only (mmseg's configs put the sampler on the decode head)
  return main.add(crossEntropyTerm(outputs.aux, labels, texture, o.classWeights, null), AUX_WEIGHT);
}
