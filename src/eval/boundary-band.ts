// Distance bands around label boundaries, shared by Boundary IoU and the trimap metric. Label maps
// are small (KITTI frames), so a two-pass chessboard distance transform on the host is cheap and exact.

/** Band width in pixels for a ratio of the image diagonal, at least 1 (Cheng et al. 2021's `dilation`). */
export function bandWidth(ratio: number, width: number, height: number): number {
  if (!(Number.isFinite(ratio) && ratio >= 0)) throw new RangeError(`boundary band ratio must be a non-negative number, got ${ratio}`);
  return Math.max(1, Math.round(ratio * Math.hypot(width, height)));
}

/**
 * Chessboard distance of every pixel to the nearest pixel whose label differs from its own, minus one
 * (0 = the pixel touches another label in its 8-neighbourhood). With `imageBorder` the outside of the
 * image counts as another label, as in Boundary IoU's zero padding, so masks cut by the border have a
 * boundary there. A pixel lies within `d` of its label's contour exactly when the value is < d.
 */
export function boundaryDistance(labels: ArrayLike<number>, width: number, height: number, imageBorder: boolean): Int32Array {
  if (labels.length !== width * height) throw new Error(`boundaryDistance: ${labels.length} labels for ${width}x${height}`);
  const far = width + height;
  const d = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const l = labels[i];
      let seed = imageBorder && (x === 0 || y === 0 || x === width - 1 || y === height - 1);
      for (let dy = -1; dy <= 1 && !seed; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width && labels[yy * width + xx] !== l) {
            seed = true;
            break;
          }
        }
      }
      d[i] = seed ? 0 : far;
    }
  }
  // forward then backward pass of the 8-neighbour (chessboard) chamfer
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let v = d[i]!;
      if (x > 0) v = Math.min(v, d[i - 1]! + 1);
      if (y > 0) {
        const u = i - width;
        v = Math.min(v, d[u]! + 1);
        if (x > 0) v = Math.min(v, d[u - 1]! + 1);
        if (x < width - 1) v = Math.min(v, d[u + 1]! + 1);
      }
      d[i] = v;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      let v = d[i]!;
      if (x < width - 1) v = Math.min(v, d[i + 1]! + 1);
      if (y < height - 1) {
        const b = i + width;
        v = Math.min(v, d[b]! + 1);
        if (x > 0) v = Math.min(v, d[b - 1]! + 1);
        if (x < width - 1) v = Math.min(v, d[b + 1]! + 1);
      }
      d[i] = v;
    }
  }
  return d;
}

/** Cheng et al.'s default band: 2 % of the image diagonal. */
export const DEFAULT_BAND_RATIO = 0.02;

/** A `--boundary [ratio]` / `--trimap [ratio]` flag value: absent → undefined, bare flag → the default, else a ratio in (0, 1]. */
export function parseBandRatio(flag: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_BAND_RATIO;
  const r = Number(value);
  if (!(Number.isFinite(r) && r > 0 && r <= 1))
    throw new Error(`${flag}: expected a fraction of the image diagonal in (0, 1], e.g. 0.02, got ${JSON.stringify(value)}`);
  return r;
}

/** The band-metric options of evaluate() from `--boundary [ratio]` / `--trimap [ratio]` flag values (absent flags leave them out). */
export function bandOptions(flags: { boundary?: string | boolean; trimap?: string | boolean }): { boundaryRatio?: number; trimapRatio?: number } {
  const boundaryRatio = parseBandRatio('--boundary', flags.boundary);
  const trimapRatio = parseBandRatio('--trimap', flags.trimap);
  return { ...(boundaryRatio !== undefined ? { boundaryRatio } : {}), ...(trimapRatio !== undefined ? { trimapRatio } : {}) };
}
