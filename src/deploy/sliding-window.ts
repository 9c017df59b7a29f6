// Sliding-window inference with mmsegmentation's semantics (EncoderDecoder.slide_inference in
// mmseg/models/segmentors/encoder_decoder.py, open-mmlab/mmsegmentation): per axis
// `grids = max(size - crop + stride - 1, 0) // stride + 1` windows starting at `i * stride`; a window running past
// the image is shifted back inside it (`y1 = max(y2 - crop, 0)`), so a crop larger than the image becomes the whole
// image, without padding. Each window's logits are summed into the full map and divided by the number of windows
// covering each pixel (overlaps averaged).
import type { HostTensor } from './backend.js';

/** A window's rows [y1, y2) and columns [x1, x2). */
export interface Window {
  y1: number;
  y2: number;
  x1: number;
  x2: number;
}

/** A height and a width. */
export type Size2 = readonly [number, number];

/** Window starts along one axis (mmseg's h_grids/w_grids loop). */
function axisSpans(size: number, crop: number, stride: number): [number, number][] {
  const grids = Math.floor(Math.max(size - crop + stride - 1, 0) / stride) + 1;
  const spans: [number, number][] = [];
  for (let i = 0; i < grids; i++) {
    const end = Math.min(i * stride + crop, size);
    spans.push([Math.max(end - crop, 0), end]);
  }
  return spans;
}

/** The windows slide_inference visits on an H×W image, rows outer, columns inner. */
export function slideWindows(height: number, width: number, crop: Size2, stride: Size2): Window[] {
  const rows = axisSpans(height, crop[0], stride[0]);
  const cols = axisSpans(width, crop[1], stride[1]);
  return rows.flatMap(([y1, y2]) => cols.map(([x1, x2]) => ({ y1, y2, x1, x2 })));
}

/** Rows y1..y2, columns x1..x2 of image n of an N,C,H,W tensor, appended at `out[offset]`. */
function copyCrop(t: HostTensor, n: number, win: Window, out: Float32Array, offset: number): void {
  const [, c, h, w] = t.shape;
  const cw = win.x2 - win.x1;
  let o = offset;
  for (let k = 0; k < c; k++) {
    for (let y = win.y1; y < win.y2; y++) {
      const s = ((n * c + k) * h + y) * w + win.x1;
      out.set(t.data.subarray(s, s + cw), o);
      o += cw;
    }
  }
}

/**
 * Logits N,C,H,W of an N,3,H,W batch by sliding windows: `run` gets up to `batchSize` crops at a time (all windows
 * of one image have the same size, so crops of several windows and images share a batch).
 */
export async function slideLogits(
  run: (x: HostTensor) => Promise<HostTensor>,
  input: HostTensor,
  crop: Size2,
  stride: Size2,
  batchSize: number,
): Promise<HostTensor> {
  const [n, ci, h, w] = input.shape;
  const windows = slideWindows(h, w, crop, stride);
  const jobs = Array.from({ length: n }, (_, i) => windows.map((win) => ({ n: i, win }))).flat();
  const wh = windows[0]!.y2 - windows[0]!.y1;
  const ww = windows[0]!.x2 - windows[0]!.x1;
  let preds: Float32Array | null = null;
  let c = 0;
  for (let j = 0; j < jobs.length; j += batchSize) {
    const chunk = jobs.slice(j, j + batchSize);
    const batch = new Float32Array(chunk.length * ci * wh * ww);
    chunk.forEach((job, b) => {
      copyCrop(input, job.n, job.win, batch, b * ci * wh * ww);
    });
    const out = await run({ data: batch, shape: [chunk.length, ci, wh, ww] });
    if (out.shape[2] !== wh || out.shape[3] !== ww) throw new Error(`slide: the model returned ${out.shape[2]}x${out.shape[3]} logits for a ${wh}x${ww} crop`);
    c = out.shape[1];
    preds ??= new Float32Array(n * c * h * w);
    // preds += F.pad(crop_seg_logit, ...): add each crop's logits at its place
    chunk.forEach((job, b) => {
      for (let k = 0; k < c; k++) {
        for (let y = 0; y < wh; y++) {
          const src = ((b * c + k) * wh + y) * ww;
          const dst = ((job.n * c + k) * h + job.win.y1 + y) * w + job.win.x1;
          for (let x = 0; x < ww; x++) preds![dst + x]! += out.data[src + x]!;
        }
      }
    });
  }
  const count = new Float32Array(h * w);
  for (const win of windows) for (let y = win.y1; y < win.y2; y++) for (let x = win.x1; x < win.x2; x++) count[y * w + x]! += 1;
  const result = preds as Float32Array;
  for (let p = 0; p < n * c; p++) for (let i = 0; i < h * w; i++) result[p * h * w + i]! /= count[i]!;
  return { data: result, shape: [n, c, h, w] };
}
