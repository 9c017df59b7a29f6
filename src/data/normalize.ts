// The one image normalisation used by train, eval and predict: torchvision's ToTensor + Normalize
// with ImageNet statistics, computed on the images' device.
import { type Tensor, tensor, tidy } from '../tensor/index.js';
import { IMAGENET_MEAN, IMAGENET_STD } from './imagenet-stats.js';

export { IMAGENET_MEAN, IMAGENET_STD } from './imagenet-stats.js';

/** uint8 images (N,3,H,W or 3,H,W) -> float32 (x / 255 - mean) / std, on the same device. */
export function normalize(images: Tensor): Tensor {
  if (images.dtype !== 'uint8') throw new Error(`normalize: expected uint8 images, got ${images.dtype}`);
  const c = images.dim() - 3;
  if (c < 0 || images.shape[c] !== 3) throw new Error(`normalize: expected (N,)3,H,W images, got shape [${images.shape}]`);
  // same op order as ToTensor (div 255) then Normalize (sub mean, div std) so results match bit for bit
  return tidy(() => normalizeUnit(images.float().div_(255)));
}

/** float32 images already in [0, 1] (ToTensor's output, or augmented images) -> (x - mean) / std. */
export function normalizeUnit(images: Tensor): Tensor {
  return tidy(() => {
    const opts = { device: images.device, dtype: 'float32' as const };
    return images.sub(tensor([...IMAGENET_MEAN], [3, 1, 1], opts)).div_(tensor([...IMAGENET_STD], [3, 1, 1], opts));
  });
}
