// Hand-written inline SVG charts for the HTML report (no scripts, no external assets).

/** One line of a line chart. */
export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Options of `lineChart`. */
export interface LineChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Log-scale y (non-positive values dropped). */
  logY?: boolean;
  /** Fixed y range; default: the data's, padded. */
  yRange?: readonly [number, number];
  /** Tick label formatter for y. */
  yFormat?: (v: number) => string;
  /** Draw each series raw (faint) plus an EMA-smoothed line with this weight (0 = raw only). */
  smooth?: number;
}

/** One group of a grouped bar chart (a class), one value per series (a run); NaN = no bar. */
export interface BarGroup {
  label: string;
  values: readonly number[];
}

/** Categorical colours (Tableau 10), one per run. */
export const RUN_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Colour of the i-th run. */
export function runColor(i: number): string {
  return RUN_COLORS[i % RUN_COLORS.length]!;
}

/** Escapes text for XML/HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Compact number: 12000 → "12k", 0.00125 → "1.25e-3", 0.61 → "0.61". */
export function compact(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a < 1e-2) return v.toExponential(1).replace(/\.0e/, 'e');
  return `${+v.toPrecision(3)}`;
}

/** Exponential moving average (TensorBoard-style, debiased). */
export function ema(points: ReadonlyArray<readonly [number, number]>, weight: number): Array<[number, number]> {
  let acc = 0;
  let norm = 0;
  return points.map(([x, y]) => {
    acc = weight * acc + (1 - weight) * y;
    norm = weight * norm + (1 - weight);
    return [x, acc / norm];
  });
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';

/** A standalone SVG of the given size with a white ground, a title (shown and as <title>) and `body`. */
export function frame(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" ${FONT} font-size="11">` +
    `<title>${esc(title)}</title><rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="12" y="18" font-size="13" font-weight="600" fill="#222">${esc(title)}</text>${body}</svg>`
  );
}

/** A line chart of one or more series as an SVG string; an empty chart says "no data". */
export function lineChart(series: readonly Series[], o: LineChartOptions): string {
  const width = o.width ?? 560;
  const height = o.height ?? 280;
  const fy = o.logY ? (v: number) => Math.log10(v) : (v: number) => v;
  const data = series
    .map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0)) }))
    .filter((s) => s.points.length > 0);
  if (data.length === 0) {
    return frame(width, height, o.title, `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#888">no data</text>`);
  }
  const legendRows = data.length > 1 ? Math.ceil(data.length / 3) : 0;
  const m = { left: 56, right: 16, top: legendRows ? 30 + legendRows * 16 : 30, bottom: o.xLabel ? 40 : 28 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const xs = data.flatMap((s) => s.points.map((p) => p[0]));
  const ys = data.flatMap((s) => s.points.map((p) => fy(p[1])));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = o.yRange ? [fy(o.yRange[0]), fy(o.yRange[1])] : [Math.min(...ys), Math.max(...ys)];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  if (!o.yRange) {
    const pad = (y1 - y0) * 0.05;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((fy(y) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  // y grid + labels
  const yFormat = o.yFormat ?? compact;
  const yTicks = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1, 5);
  for (const t of yTicks) {
    const v = o.logY ? 10 ** t : t;
    const py = m.top + ph - ((t - y0) / (y1 - y0)) * ph;
    if (py < m.top - 0.5 || py > m.top + ph + 0.5) continue;
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${round1(py)}" y2="${round1(py)}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${m.left - 6}" y="${round1(py + 3.5)}" text-anchor="end" fill="#555">${esc(yFormat(v))}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    const px = sx(t);
    parts.push(`<line x1="${round1(px)}" x2="${round1(px)}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${round1(px)}" y="${m.top + ph + 16}" text-anchor="middle" fill="#555">${esc(compact(t))}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#bbb"/>`);
  if (o.xLabel) parts.push(`<text x="${m.left + pw / 2}" y="${height - 8}" text-anchor="middle" fill="#444">${esc(o.xLabel)}</text>`);
  if (o.yLabel) parts.push(`<text transform="translate(13 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(o.yLabel)}</text>`);
  const path = (pts: ReadonlyArray<readonly [number, number]>) => pts.map(([x, y], i) => `${i ? 'L' : 'M'}${round1(sx(x))} ${round1(sy(y))}`).join('');
  parts.push('<g>');
  for (const s of data) {
    const smooth = o.smooth && s.points.length > 20 ? o.smooth : 0;
    if (smooth) parts.push(`<path d="${path(s.points)}" fill="none" stroke="${s.color}" stroke-opacity="0.25" stroke-width="1"/>`);
    parts.push(
      `<path class="series" data-name="${esc(s.name)}" d="${path(smooth ? ema(s.points, smooth) : s.points)}" fill="none" stroke="${s.color}" stroke-width="1.8" stroke-linejoin="round"/>`,
    );
    if (s.points.length <= 40) for (const [x, y] of s.points) parts.push(`<circle cx="${round1(sx(x))}" cy="${round1(sy(y))}" r="2.5" fill="${s.color}"/>`);
  }
  parts.push('</g>');
  if (legendRows) {
    const colW = (width - m.left - m.right) / 3;
    data.forEach((s, i) => {
      const lx = m.left + (i % 3) * colW;
      const ly = 36 + Math.floor(i / 3) * 16;
      parts.push(`<rect x="${round1(lx)}" y="${ly - 5}" width="14" height="3" fill="${s.color}"/>`);
      parts.push(`<text x="${round1(lx + 18)}" y="${ly}" fill="#333">${esc(truncate(s.name, 34))}</text>`);
    });
  }
  return frame(width, height, o.title, parts.join(''));
}

/** A horizontal grouped bar chart of values in [0, 1] shown as percentages (per-class IoU). */
export function barChart(groups: readonly BarGroup[], seriesNames: readonly string[], o: { title: string; width?: number }): string {
  const width = o.width ?? 560;
  const n = Math.max(1, seriesNames.length);
  const barH = n > 1 ? 9 : 14;
  const groupH = n * barH + 8;
  const legendRows = n > 1 ? Math.ceil(n / 2) : 0;
  const m = { left: 110, right: 48, top: 32 + legendRows * 16, bottom: 26 };
  const pw = width - m.left - m.right;
  const height = m.top + groups.length * groupH + m.bottom;
  const parts: string[] = [];
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    const x = round1(m.left + t * pw);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${height - m.bottom}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${x}" y="${height - m.bottom + 14}" text-anchor="middle" fill="#555">${t * 100}%</text>`);
  }
  groups.forEach((g, gi) => {
    const gy = m.top + gi * groupH + 4;
    parts.push(`<text x="${m.left - 8}" y="${round1(gy + (n * barH) / 2 + 4)}" text-anchor="end" fill="#333">${esc(truncate(g.label, 16))}</text>`);
    g.values.forEach((v, si) => {
      const y = gy + si * barH;
      if (Number.isNaN(v)) {
        parts.push(`<text x="${m.left + 4}" y="${round1(y + barH - 1)}" fill="#999" font-size="9">n/a</text>`);
        return;
      }
      const w = Math.max(0, Math.min(1, v)) * pw;
      parts.push(
        `<rect class="bar" x="${m.left}" y="${round1(y)}" width="${round1(w)}" height="${barH - 1}" fill="${runColor(si)}"><title>${esc(`${g.label} · ${seriesNames[si] ?? ''}: ${(100 * v).toFixed(2)}%`)}</title></rect>`,
      );
      parts.push(
        `<text x="${round1(m.left + w + 4)}" y="${round1(y + barH - 1.5)}" fill="#444" font-size="${n > 1 ? 8.5 : 10}">${(100 * v).toFixed(1)}</text>`,
      );
    });
  });
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="#888"/>`);
  if (legendRows) {
    seriesNames.forEach((name, i) => {
      const lx = m.left + (i % 2) * (pw / 2);
      const ly = 32 + Math.floor(i / 2) * 16;
      parts.push(`<rect x="${round1(lx)}" y="${ly - 9}" width="10" height="10" fill="${runColor(i)}"/>`);
      parts.push(`<text x="${round1(lx + 14)}" y="${ly}" fill="#333">${esc(truncate(name, 40))}</text>`);
    });
  }
  return frame(width, height, o.title, parts.join(''));
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) out.push(e);
  return out.length >= 2 ? out : niceTicks(lo, hi, 4);
}

/** `s` cut to n characters with an ellipsis. */
export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Rounded to one decimal (SVG coordinates). */
export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
