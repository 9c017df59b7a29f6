// The in-style vs shift trade-off of an experiment's runs as one hand-written SVG: x = in-style mIoU, y = the
// mean mIoU over the held-out test styles (left panel) and over the selection styles (right), one marker per run
// coloured by its shape-bias score, and the least-squares line through the runs that had the baseline's compute.
// Shape-biasing methods trade in-style accuracy for robustness; a run above the line beats that trade-off.
import type { TrainingCompute } from '../experiment/compute.js';
import type { ComparisonRow } from '../experiment/scores.js';
import { esc, frame, niceTicks, round1, truncate } from './charts.js';
import { fitLine } from './fit-line.js';

/** Viridis stops: shape-bias 0 → dark purple, 1 → yellow (readable in greyscale and by most colour-blind readers). */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Marker colour of a shape-bias score in [0, 1] (grey when unknown). */
export function shapeBiasColour(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '#bbbbbb';
  const t = Math.max(0, Math.min(1, v)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const f = t - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const hex = (k: number) =>
    Math.round(a[k]! + (b[k]! - a[k]!) * f)
      .toString(16)
      .padStart(2, '0');
  return `#${hex(0)}${hex(1)}${hex(2)}`;
}

/** How a run's compute compares with the baseline's. */
type ComputeClass = 'equal' | 'other' | 'unknown';

interface Point {
  run: string;
  x: number;
  y: number;
  bias: number | null;
  compute: ComputeClass;
  /** What the marker is labelled with: the run's name, or its number in the caption's key when there are many runs. */
  label: string;
}

/** Up to this many runs, markers carry their names; more would overlap, so they carry numbers and the caption a key. */
const NAMED_RUNS = 6;

const PANEL = { width: 420, height: 360, left: 52, right: 16, top: 56, bottom: 44 };
const pct = (v: number): string => `${+(100 * v).toFixed(1)}`;

/** Wraps "a, b, c" style text into lines of at most `n` characters. */
function wrap(text: string, n: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > n) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The part of y = a + b·x inside the box, as a segment, or null. */
function clipLine(a: number, b: number, [x0, x1]: readonly [number, number], [y0, y1]: readonly [number, number]): [number, number, number, number] | null {
  let lo = x0;
  let hi = x1;
  if (b === 0) {
    if (a < y0 || a > y1) return null;
  } else {
    const xa = (y0 - a) / b;
    const xb = (y1 - a) / b;
    lo = Math.max(x0, Math.min(xa, xb));
    hi = Math.min(x1, Math.max(xa, xb));
  }
  return lo < hi ? [lo, a + b * lo, hi, a + b * hi] : null;
}

function panel(title: string, points: readonly Point[], ox: number, xr: readonly [number, number], yr: readonly [number, number]): string {
  const pw = PANEL.width - PANEL.left - PANEL.right;
  const ph = PANEL.height - PANEL.top - PANEL.bottom;
  const sx = (x: number) => ox + PANEL.left + ((x - xr[0]) / (xr[1] - xr[0])) * pw;
  const sy = (y: number) => PANEL.top + ph - ((y - yr[0]) / (yr[1] - yr[0])) * ph;
  const parts = [`<text x="${ox + PANEL.left}" y="${PANEL.top - 8}" font-size="12" font-weight="600" fill="#333">${esc(title)}</text>`];
  for (const t of niceTicks(yr[0], yr[1], 5)) {
    if (t < yr[0] || t > yr[1]) continue;
    const y = round1(sy(t));
    parts.push(`<line x1="${ox + PANEL.left}" x2="${ox + PANEL.left + pw}" y1="${y}" y2="${y}" stroke="#e6e6e6"/>`);
    parts.push(`<text x="${ox + PANEL.left - 6}" y="${round1(y + 3.5)}" text-anchor="end" fill="#555">${pct(t)}</text>`);
  }
  for (const t of niceTicks(xr[0], xr[1], 5)) {
    if (t < xr[0] || t > xr[1]) continue;
    const x = round1(sx(t));
    parts.push(`<line x1="${x}" x2="${x}" y1="${PANEL.top + ph}" y2="${PANEL.top + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${x}" y="${PANEL.top + ph + 16}" text-anchor="middle" fill="#555">${pct(t)}</text>`);
  }
  parts.push(`<rect x="${ox + PANEL.left}" y="${PANEL.top}" width="${pw}" height="${ph}" fill="none" stroke="#bbb"/>`);
  parts.push(`<text x="${ox + PANEL.left + pw / 2}" y="${PANEL.top + ph + 34}" text-anchor="middle" fill="#444">in-style mIoU (%)</text>`);
  parts.push(
    `<text transform="translate(${ox + 14} ${PANEL.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(title.replace(/ vs .*/, ''))} (%)</text>`,
  );
  if (points.length === 0) {
    parts.push(
      `<text x="${ox + PANEL.left + pw / 2}" y="${PANEL.top + ph / 2}" text-anchor="middle" fill="#888">no scores on these styles yet (shapeseg experiment scores them)</text>`,
    );
  }
  const fit = fitLine(points.filter((p) => p.compute === 'equal').map((p) => [p.x, p.y] as const));
  if (fit) {
    const seg = clipLine(fit.intercept, fit.slope, xr, yr);
    if (seg) {
      parts.push(
        `<line class="fit" x1="${round1(sx(seg[0]))}" y1="${round1(sy(seg[1]))}" x2="${round1(sx(seg[2]))}" y2="${round1(sy(seg[3]))}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      );
    }
    parts.push(
      `<text x="${ox + PANEL.left + 6}" y="${PANEL.top + 14}" fill="#c0392b">fit: y = ${fit.slope.toFixed(2)} · x ${fit.intercept < 0 ? '−' : '+'} ${pct(Math.abs(fit.intercept))} %</text>`,
    );
  }
  for (const p of points) {
    const x = round1(sx(p.x));
    const y = round1(sy(p.y));
    const fill = shapeBiasColour(p.bias);
    const tip = `<title>${esc(`${p.run}: in-style ${pct(p.x)} %, ${pct(p.y)} %, shape bias ${p.bias === null ? 'n/a' : `${pct(p.bias)} %`}, ${p.compute} compute`)}</title>`;
    const attrs = `class="marker" data-run="${esc(p.run)}" data-compute="${p.compute}" fill="${fill}" stroke="#222" stroke-width="1"`;
    parts.push(
      p.compute === 'equal'
        ? `<circle ${attrs} cx="${x}" cy="${y}" r="6">${tip}</circle>`
        : `<rect ${attrs} x="${round1(x - 5.5)}" y="${round1(y - 5.5)}" width="11" height="11">${tip}</rect>`,
    );
    // names of runs in the right part of the panel go to the left of their marker, so they stay inside the chart
    const left = x > ox + PANEL.left + 0.6 * pw;
    parts.push(
      `<text x="${round1(left ? x - 8 : x + 8)}" y="${round1(y + 3.5)}"${left ? ' text-anchor="end"' : ''} font-size="9.5" fill="#333">${esc(truncate(p.label, 30))}</text>`,
    );
  }
  return parts.join('');
}

/** The colour bar of the shape-bias score (0–100 %) at (x, y). */
function legend(x: number, y: number): string {
  const w = 160;
  const stops = VIRIDIS.map((_, i) => `<stop offset="${i / (VIRIDIS.length - 1)}" stop-color="${shapeBiasColour(i / (VIRIDIS.length - 1))}"/>`).join('');
  return (
    `<defs><linearGradient id="tradeoff-shape-bias" x1="0" x2="1" y1="0" y2="0">${stops}</linearGradient></defs>` +
    `<text x="${x - 6}" y="${y + 9}" text-anchor="end" fill="#333">shape bias</text>` +
    `<rect class="legend" x="${x}" y="${y}" width="${w}" height="10" fill="url(#tradeoff-shape-bias)" stroke="#999"/>` +
    [0, 0.5, 1].map((t) => `<text x="${x + t * w}" y="${y + 22}" text-anchor="middle" fill="#555">${100 * t} %</text>`).join('') +
    `<circle cx="${x + w + 22}" cy="${y + 5}" r="5" fill="#fff" stroke="#222"/><text x="${x + w + 30}" y="${y + 9}" fill="#333">equal compute</text>` +
    `<rect x="${x + w + 122}" y="${y}" width="10" height="10" fill="#fff" stroke="#222"/><text x="${x + w + 136}" y="${y + 9}" fill="#333">other compute</text>`
  );
}

/** Padded [min, max] of the values (a unit-wide span around a single value). */
function range(values: readonly number[], pad: number): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) [lo, hi] = [lo - 0.05, hi + 0.05];
  const d = (hi - lo) * pad;
  return [Math.max(0, lo - d), Math.min(1, hi + d)];
}

/**
 * The trade-off chart of the comparison rows at the baseline's output stride (the first row's), with `compute`
 * (markEqualCompute'd) saying which runs had the baseline's compute; '' when no row has in-style and shift means.
 */
export function tradeoffChart(rows: readonly ComparisonRow[], compute: readonly TrainingCompute[]): string {
  const os = rows[0]?.outputStride;
  const at = rows.filter((r) => r.outputStride === os);
  const computeOf = (run: string): ComputeClass => {
    const c = compute.find((x) => x.run === run);
    return c?.equalCompute === true ? 'equal' : c?.equalCompute === false ? 'other' : 'unknown';
  };
  const named = at.length <= NAMED_RUNS;
  const pointsOf = (y: (r: ComparisonRow) => number | null): Point[] =>
    at.flatMap((r, i) => {
      const v = y(r);
      return r.inStyle === null || v === null || !Number.isFinite(r.inStyle) || !Number.isFinite(v)
        ? []
        : [{ run: r.run, x: r.inStyle, y: v, bias: r.shapeBias, compute: computeOf(r.run), label: named ? r.run : String(i + 1) }];
    });
  const heldOut = pointsOf((r) => r.heldOut);
  const unseen = pointsOf((r) => r.unseen);
  const selection = pointsOf((r) => r.shifted);
  const all = [...heldOut, ...unseen, ...selection];
  if (all.length === 0) return '';
  const xr = range(
    all.map((p) => p.x),
    0.12,
  );
  const yr = range(
    all.map((p) => p.y),
    0.12,
  );
  // the unseen panel only where some run has been scored on the unseen styles
  const panels: Array<[string, Point[]]> = [
    ['held-out mean vs in-style', heldOut],
    ...(unseen.length > 0 ? [['unseen mean vs in-style', unseen] as [string, Point[]]] : []),
    ['selection mean vs in-style', selection],
  ];
  const width = panels.length * PANEL.width;
  const equal = at.filter((r) => computeOf(r.run) === 'equal').map((r) => r.run);
  const other = at.filter((r) => computeOf(r.run) !== 'equal').map((r) => `${r.run}${computeOf(r.run) === 'unknown' ? ' (compute unknown)' : ''}`);
  const caption = [
    `x: in-style mIoU; y: mean mIoU over the held-out test styles (left; nothing is tuned on them)${unseen.length > 0 ? ', over the unseen test styles (middle; nothing chosen or read on them)' : ''} and over the selection styles (right), at OS ${os}. Colour: shape-bias score.`,
    `Dashed line: least squares through the ${equal.length} equal-compute runs (circles: the baseline's steps × batch, no consistency loss): ${equal.join(', ') || 'none'}. A run above it beats the trade-off.`,
    ...(other.length ? [`Squares, not in the fit (other compute): ${other.join(', ')}.`] : []),
    ...(named ? [] : [`Markers: ${at.map((r, i) => `${i + 1}\u00a0${r.run}`).join(' · ')}.`]),
  ].flatMap((t) => wrap(t, 150));
  const height = PANEL.height + 40 + caption.length * 14;
  const body = [
    legend(width - 420, 8),
    ...panels.map(([title, points], i) => panel(title, points, i * PANEL.width, xr, yr)),
    ...caption.map((line, i) => `<text class="caption" x="12" y="${PANEL.height + 24 + i * 14}" fill="#444">${esc(line)}</text>`),
  ].join('');
  return frame(width, height, 'In-style vs shifted mIoU per run', body);
}
