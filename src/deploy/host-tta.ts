// Test-time augmentation on host tensors, for every engine: the same passes as src/eval/inference.ts's
// meanProbabilities (input resized per scale, optionally flipped; logits flipped back and resized to the input
// size; softmax averaged over the passes).
import { checkScales, type InferenceOptions, isPlainInference, scaledSize } from '../eval/inference.js';
import type { HostTensor } from './backend.js';
import { flipWidth, resizeBilinear } from './host-resize.js';

/** Logits N,C,H,W at the input's size for a normalised N,3,H,W batch (a whole-image or sliding-window pass). */
export type LogitsFn = (x: HostTensor) => Promise<HostTensor>;

/** Softmax over the channels of an N,C,H,W tensor, added into `acc` (float64 accumulation per pixel). */
function addSoftmax(t: HostTensor, acc: Float32Array): void {
  const [n, c, h, w] = t.shape;
  const hw = h * w;
  const d = t.data;
  for (let b = 0; b < n; b++) {
    const base = b * c * hw;
    for (let i = 0; i < hw; i++) {
      let max = -Infinity;
      for (let k = 0; k < c; k++) max = Math.max(max, d[base + k * hw + i]!);
      let sum = 0;
      for (let k = 0; k < c; k++) sum += Math.exp(d[base + k * hw + i]! - max);
      for (let k = 0; k < c; k++) acc[base + k * hw + i]! += Math.exp(d[base + k * hw + i]! - max) / sum;
    }
  }
}

/** Logits of one pass: at scale `s`, optionally flipped, brought back to the input's size and orientation. */
async function logitsAt(logits: LogitsFn, x: HostTensor, s: number, flip: boolean): Promise<HostTensor> {
  const [, , h, w] = x.shape;
  let inp = s === 1 ? x : resizeBilinear(x, ...scaledSize(h, w, s));
  if (flip) inp = flipWidth(inp);
  let out = await logits(inp);
  if (flip) out = flipWidth(out);
  return s === 1 ? out : resizeBilinear(out, h, w);
}

/** Class probabilities N,C,H,W: softmax averaged over the scales (and flips). */
export async function meanProbabilities(logits: LogitsFn, x: HostTensor, opts: InferenceOptions = {}): Promise<HostTensor> {
  const scales = checkScales(opts.scales ?? [1]);
  const flips = opts.flip ? [false, true] : [false];
  let acc: HostTensor | null = null;
  for (const s of scales) {
    for (const f of flips) {
      const out = await logitsAt(logits, x, s, f);
      acc ??= { data: new Float32Array(out.data.length), shape: out.shape };
      addSoftmax(out, acc.data);
    }
  }
  const result = acc as HostTensor;
  const passes = scales.length * flips.length;
  if (passes > 1) for (let i = 0; i < result.data.length; i++) result.data[i]! /= passes;
  return result;
}

/** Index of the largest channel per pixel (the first on ties, as torch.argmax): N×H×W class ids. */
export function argmaxChannels(t: HostTensor): Uint8Array {
  const [n, c, h, w] = t.shape;
  if (c > 256) throw new Error(`argmax: ${c} classes do not fit uint8 labels`);
  const hw = h * w;
  const out = new Uint8Array(n * hw);
  for (let b = 0; b < n; b++) {
    const base = b * c * hw;
    for (let i = 0; i < hw; i++) {
      let best = 0;
      let v = t.data[base + i]!;
      for (let k = 1; k < c; k++) {
        const x = t.data[base + k * hw + i]!;
        if (x > v) {
          v = x;
          best = k;
        }
      }
      out[b * hw + i] = best;
    }
  }
  return out;
}

/** Probabilities (when asked for or needed by TTA) or raw logits: what labels are the argmax of. */
export async function scoreMaps(logits: LogitsFn, x: HostTensor, opts: InferenceOptions & { probabilities?: boolean }): Promise<HostTensor> {
  if (isPlainInference(opts) && !opts.probabilities) return logits(x);
  return meanProbabilities(logits, x, opts);
}
