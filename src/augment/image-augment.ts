// The contract of the image-level methods, which run on the device batch before normalisation.
import type { Tensor } from '../tensor/index.js';

/**
 * The soft target of cue-conflict training: per pixel γ·onehot(label) + (1 − γ)·onehot(texture class), where the
 * texture class is the class whose colour statistics the pixel now wears (its own label where it kept them).
 */
export interface TextureTarget {
  /** N,H,W int64 texture-source classes, aligned with the labels (255 where the label is 255). */
  labels: Tensor;
  /** γ: the weight of the label (the shape) in the target; 1 − γ goes to the texture class. */
  shapeWeight: number;
}

/** What a cue-conflict method returns: the images and the texture target that goes with them. */
export interface TexturedImages {
  images: Tensor;
  texture: TextureTarget;
}

/**
 * An image-level augmentation: float N,3,H,W images scaled to [0, 1] on the device in, the same shape
 * out (values may leave [0, 1]; the batch transform clamps once at the end). Labels are never changed,
 * so every method must keep the geometry; a method may read them (N,H,W int64, 255 = ignore) to treat
 * each class region apart. May return its input unchanged; runs inside the caller's tidy.
 */
export interface ImageAugment {
  /** Config name of the method, for errors and logs. */
  readonly name: string;
  /** True when apply() reads the labels (data-parallel ranks then gather them with the images). */
  readonly needsLabels?: boolean;
  apply(images: Tensor, labels: Tensor): Tensor;
  /**
   * Cue-conflict methods (debias) only: apply() plus the texture-source classes of every pixel, which the loss
   * mixes into the target. The batch transform calls it instead of apply() where it exists.
   */
  applyTextured?(images: Tensor, labels: Tensor): TexturedImages;
  /** Frees what the method holds (weights, style images). */
  dispose(): void;
}
