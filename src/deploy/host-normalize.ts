// uint8 RGB images → the normalised N,3,H,W float32 batch every backend takes, on the host.
import type { HostTensor } from './backend.js';
import type { RawImage } from './image-input.js';

/**
 * `(x / 255 - mean) / std` per channel, HWC → NCHW, in float32 with the operation order of src/data/normalize.ts
 * (ToTensor then Normalize), so the batch is bit-identical to what libtorch computes there. All images must share
 * one size.
 */
export function normalizeImages(images: readonly RawImage[], mean: readonly number[], std: readonly number[]): HostTensor {
  const first = images[0];
  if (!first) throw new Error('normalizeImages: no images');
  const { width: w, height: h } = first;
  const hw = h * w;
  const out = new Float32Array(images.length * 3 * hw);
  const m = mean.map(Math.fround);
  const s = std.map(Math.fround);
  images.forEach((img, n) => {
    if (img.width !== w || img.height !== h) throw new Error(`normalizeImages: image ${n} is ${img.width}x${img.height}, the batch ${w}x${h}`);
    for (let c = 0; c < 3; c++) {
      const o = (n * 3 + c) * hw;
      const mc = m[c]!;
      const sc = s[c]!;
      for (let i = 0; i < hw; i++) out[o + i] = Math.fround(Math.fround(img.data[3 * i + c]! / 255) - mc) / sc;
    }
  });
  return { data: out, shape: [images.length, 3, h, w] };
}
