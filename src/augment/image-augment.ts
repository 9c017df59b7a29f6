// The contract of the image-level methods, which run on the device batch before normalisation.
import type { Tensor } from '../tensor/index.js';

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
  /** Frees what the method holds (weights, style images). */
  dispose(): void;
}
