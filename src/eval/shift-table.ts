// Terminal tables of a shift evaluation: one row per style (mIoU, drop, pixel accuracy, band metrics), the
// selection, held-out and unseen means, styles × classes IoU, and the shape-bias score.
import type { ShiftEvalFile } from './shift-eval.js';

/** How a suite role reads in tables: the shifted styles are the selection styles (methods are chosen on them). */
export function roleLabel(role: string): string {
  return role === 'shifted' ? 'selection' : role;
}

/** The roles whose mean mIoU tables print under the per-style rows: selection, then the two test tiers. */
export const MEAN_ROLES = ['shifted', 'held-out', 'unseen'] as const;

/** Mean mIoU over the styles with `role` and how many there are (mean null when none, or one is undefined). */
export function roleMean(f: ShiftEvalFile, role: string): { mean: number | null; styles: number } {
  const xs = f.styles.filter((s) => s.role === role).map((s) => s.result.mIoU);
  const known = xs.filter((x): x is number => typeof x === 'number');
  return { mean: known.length === 0 || known.length < xs.length ? null : known.reduce((a, b) => a + b, 0) / known.length, styles: xs.length };
}

const p = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? 'n/a' : (100 * v).toFixed(digits));

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const fmt = (r: string[]): string => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  return [fmt(header), rule, ...rows.map(fmt)];
}

/** The printed summary of shift-eval.json: per-style metrics, styles × classes IoU, shape-bias score. */
export function formatShiftEval(f: ShiftEvalFile): string {
  const hasB = f.styles.some((s) => s.result.boundary);
  const hasT = f.styles.some((s) => s.result.trimap);
  const header = ['style', 'role', 'mIoU %', 'Δ pts', 'pixel acc %', ...(hasB ? ['boundary IoU %'] : []), ...(hasT ? ['trimap mIoU %'] : [])];
  const rows = f.styles.map((s) => [
    s.name,
    roleLabel(s.role),
    p(s.result.mIoU),
    s.drop.mIoU === null ? 'n/a' : (-100 * s.drop.mIoU).toFixed(1),
    p(s.result.pixelAccuracy),
    ...(hasB ? [p(s.result.boundary?.mBoundaryIoU)] : []),
    ...(hasT ? [p(s.result.trimap?.mIoU)] : []),
  ]);
  const lines = [
    `texture-shift suite ${f.suite.dir} (${f.styles[0]?.result.data.count ?? 0} images per style; Δ = mIoU points vs ${f.trainingStyle})`,
    ...(f.adaptation ? [`with test-time adaptation ${JSON.stringify(f.adaptation)}, each style on its own images: reported apart`] : []),
    ...grid(header, rows),
    ...MEAN_ROLES.map((role) => {
      const m = roleMean(f, role);
      return `${roleLabel(role)} mean: ${p(m.mean)} % mIoU over ${m.styles} style${m.styles === 1 ? '' : 's'}`;
    }),
    '',
  ];
  const classHeader = ['IoU %', ...f.styles.map((s) => s.name)];
  const classRows = f.classNames.map((c) => [c, ...f.styles.map((s) => p(s.result.perClassIoU[c]))]);
  lines.push(...grid(classHeader, classRows), '');
  if (f.shapeBias) {
    const o = f.shapeBias.overall;
    lines.push(
      `shape-bias score ${p(o.score)} % on ${f.shapeBias.style} (shape ${o.shape} px, texture ${o.texture} px, other ${o.other} px; Geirhos et al. 2019 per pixel)`,
    );
    const biasRows = f.classNames.map((c) => {
      const x = f.shapeBias!.perClass[c]!;
      return [c, p(x.score), String(x.shape), String(x.texture), String(x.other)];
    });
    lines.push(...grid(['shape class', 'shape bias %', 'shape px', 'texture px', 'other px'], biasRows));
  }
  return lines.join('\n');
}
