// Ordinary least squares through points: the line the trade-off chart draws through the equal-compute runs.

/** A fitted line y = intercept + slope · x. */
export interface FittedLine {
  slope: number;
  intercept: number;
}

/** The least-squares line through the points, or null with fewer than two distinct x values. */
export function fitLine(points: ReadonlyArray<readonly [number, number]>): FittedLine | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  // relative to the spread of x, so identical x values (a vertical cloud) have no line
  if (sxx <= 1e-12 * n * Math.max(1, mx * mx)) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
