// Terminal rendering of segmentation metrics: one row per class (every class, the
// thin ones such as Pole / TrafficLight / TrafficSign included), then summary lines.
import { type SegMetrics, subsetMIoU } from './metrics.js';

/** Formats a fraction as a percentage with 2 decimals; NaN (class absent) as "n/a". */
export function pct(x: number, digits = 2): string {
  return Number.isNaN(x) ? 'n/a' : (100 * x).toFixed(digits);
}

/** A class subset whose mIoU is reported under the table (e.g. SYNTHIA's 13 classes). */
export interface ReportedSubset {
  name: string;
  classes: readonly string[];
}

/** Renders the per-class table (class, IoU, acc, gt pixel share), the summary lines and the subsets' mIoU. */
export function formatMetricsTable(metrics: SegMetrics, classNames: readonly string[], title?: string, subsets: readonly ReportedSubset[] = []): string {
  if (classNames.length !== metrics.numClasses) {
    throw new Error(`metrics have ${metrics.numClasses} classes but ${classNames.length} class names were given`);
  }
  const total = metrics.totalPixels;
  const rows: string[][] = classNames.map((name, k) => [
    name,
    pct(metrics.perClassIoU[k]!),
    pct(metrics.perClassAccuracy[k]!),
    total > 0 ? pct(metrics.gtPixels[k]! / total) : 'n/a',
  ]);
  const header = ['class', 'IoU %', 'acc %', 'gt share %'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const fmt = (r: string[]): string => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const lines: string[] = [];
  if (title) lines.push(title);
  lines.push(fmt(header), rule, ...rows.map(fmt), rule);
  lines.push(...formatSummary(metrics));
  for (const sub of subsets) {
    const m = subsetMIoU(metrics.perClassIoU, classNames, sub.classes);
    const left = classNames.filter((c) => !sub.classes.includes(c));
    lines.push(`${sub.name.padEnd(15)} ${m === null ? 'n/a' : pct(m)}  (${sub.classes.length} classes, without ${left.join(', ')})`);
  }
  return lines.join('\n');
}

/** The summary lines: mIoU (and over how many classes), pixel acc, mean class acc, fwIoU, pixels. */
export function formatSummary(m: SegMetrics): string[] {
  const absent = m.numClasses - m.classesInMean;
  return [
    `mIoU            ${pct(m.mIoU)}  (mean over ${m.classesInMean} of ${m.numClasses} classes${absent > 0 ? `; ${absent} absent from gt and prediction` : ''})`,
    `pixel accuracy  ${pct(m.pixelAccuracy)}`,
    `mean class acc  ${pct(m.meanClassAccuracy)}`,
    `fwIoU           ${pct(m.frequencyWeightedIoU)}`,
    `valid pixels    ${m.totalPixels.toLocaleString('en-US')}`,
  ];
}
