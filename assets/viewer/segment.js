// The viewer's pixel arithmetic, free of the DOM (Node imports it in test/deploy/viewer.test.ts): the same
// normalisation, argmax and overlay as shapeseg in Node (src/data/normalize.ts, torch.argmax, src/report/colorize.ts).

/**
 * RGBA bytes (alpha ignored) → float32 NCHW (N = 1) input: ((x / 255) − mean) / std per channel, each step rounded
 * to float32 as torch computes it in normalize(), so the browser feeds the model the very same numbers.
 */
export function toInput(rgba, width, height, mean, std) {
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    // one float64 op on float32 operands, rounded once to float32, is exactly the float32 op
    for (let i = 0; i < n; i++) out[c * n + i] = Math.fround(Math.fround(rgba[4 * i + c] / 255) - m) / s;
  }
  return out;
}

/** Class index per pixel of C×N logits (channel-major), the first maximum on ties and NaN as maximum, like torch.argmax. */
export function argmax(logits, classes, n) {
  if (classes > 256) throw new Error(`${classes} classes do not fit the viewer's 8-bit label map`);
  const labels = new Uint8Array(n);
  const best = logits.slice(0, n);
  for (let c = 1; c < classes; c++) {
    const off = c * n;
    for (let i = 0; i < n; i++) {
      const v = logits[off + i];
      if (v > best[i] || (Number.isNaN(v) && !Number.isNaN(best[i]))) {
        best[i] = v;
        labels[i] = c;
      }
    }
  }
  return labels;
}

/** RGBA pixels of the label colours blended over the image at `alpha`, as src/report/colorize.ts's overlay(). */
export function blend(rgba, labels, colors, alpha) {
  const out = new Uint8ClampedArray(rgba.length);
  for (let i = 0; i < labels.length; i++) {
    const col = colors[labels[i]];
    for (let k = 0; k < 3; k++) {
      const x = rgba[4 * i + k];
      out[4 * i + k] = col ? Math.round((1 - alpha) * x + alpha * col[k]) : x;
    }
    out[4 * i + 3] = 255;
  }
  return out;
}
