// Resizing and flipping NCHW float32 host tensors, so test-time augmentation runs the same for every engine.
// The resize is PyTorch's F.interpolate(x, size, mode='bilinear', align_corners=False) (upsample_bilinear2d's CPU
// kernel): source coordinate (dst + 0.5) * in / out - 0.5 clamped at 0, weights and blend in float32; it agrees with
// libtorch's to float rounding (test/deploy/host-resize.test.ts: within 1e-5, ~3e-6 seen on values of magnitude ~1).
import type { HostTensor } from './backend.js';

const f32 = Math.fround;

/** Per output index along one axis: the two source indices and their weights (PyTorch's float32 arithmetic). */
function axisWeights(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w0: Float32Array; w1: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = f32(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(f32(f32(scale * f32(o + 0.5)) - 0.5), 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f32(src - lo), 0), 1);
    i0[o] = lo;
    i1[o] = lo < inSize - 1 ? lo + 1 : lo;
    w1[o] = lambda;
    w0[o] = f32(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/** Bilinear resize of an N,C,H,W tensor to (height, width), as F.interpolate(..., 'bilinear', align_corners=False). */
export function resizeBilinear(t: HostTensor, height: number, width: number): HostTensor {
  const [n, c, h, w] = t.shape;
  if (height === h && width === w) return t;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new Error(`resizeBilinear: expected a positive integer size, got ${height}x${width}`);
  }
  const ys = axisWeights(h, height);
  const xs = axisWeights(w, width);
  const out = new Float32Array(n * c * height * width);
  const src = t.data;
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    const obase = p * height * width;
    for (let y = 0; y < height; y++) {
      const r0 = base + ys.i0[y]! * w;
      const r1 = base + ys.i1[y]! * w;
      const wy0 = ys.w0[y]!;
      const wy1 = ys.w1[y]!;
      const orow = obase + y * width;
      for (let x = 0; x < width; x++) {
        const a = xs.i0[x]!;
        const b = xs.i1[x]!;
        const wx0 = xs.w0[x]!;
        const wx1 = xs.w1[x]!;
        const top = f32(f32(wx0 * src[r0 + a]!) + f32(wx1 * src[r0 + b]!));
        const bottom = f32(f32(wx0 * src[r1 + a]!) + f32(wx1 * src[r1 + b]!));
        out[orow + x] = f32(wy0 * top) + f32(wy1 * bottom);
      }
    }
  }
  return { data: out, shape: [n, c, height, width] };
}

/** The N,C,H,W tensor mirrored along W (torch.flip(x, [3])). */
export function flipWidth(t: HostTensor): HostTensor {
  const [n, c, h, w] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < n * c * h; r++) {
    const o = r * w;
    for (let x = 0; x < w; x++) out[o + x] = t.data[o + w - 1 - x]!;
  }
  return { data: out, shape: [n, c, h, w] };
}
