// The report's experiment section (from the runs' scores-os<N>.json): the texture-shift summary when the runs
// were scored on the suite (selection and held-out styles, and the in-style vs shift trade-off chart), and the
// per-target comparison domain-generalisation papers print: rows = runs, columns = targets (with their class
// subsets) and the mean over targets, then one per-class table per target, with what each target was read from.
// Rows with test-time adaptation (`<run> + bn-adapt`) are in the tables, noted once, and left off the chart.
import { markEqualCompute, type TrainingCompute, trainedRun, trainingCompute } from '../experiment/compute.js';
import {
  ADAPTED_ROWS_NOTE,
  bandTables,
  comparisonRows,
  isSuiteSet,
  type RunScores,
  SUITE_ROLES_NOTE,
  type TargetColumn,
  type TargetComparison,
  targetComparison,
} from '../experiment/scores.js';
import { heat, n2, pctCell, section } from './cells.js';
import { esc } from './charts.js';
import { tradeoffChart } from './tradeoff-chart.js';

/** A percentage cell, heat-coloured when it is an IoU, bold where it is the column's best of several rows. */
function cell(v: number | null | undefined, best: number, coloured: boolean): string {
  const x = n2(v);
  const bold = !Number.isNaN(x) && x === best ? ' best' : '';
  return `<td class="num${bold}" style="${Number.isNaN(x) || !coloured ? '' : `background:${heat(x)}`}">${pctCell(x)}</td>`;
}

/** A table of rows × percentage columns (IoUs unless `plain` names the column), each column's best bolded. */
function table(
  head: readonly string[],
  rows: ReadonlyArray<{ label: string; values: ReadonlyArray<number | null | undefined> }>,
  plain: ReadonlySet<string> = new Set(),
): string {
  const best = head.map((_, k) => (rows.length > 1 ? Math.max(...rows.map((r) => n2(r.values[k])).filter((v) => !Number.isNaN(v))) : Number.NaN));
  const body = rows.map((r) => `<tr><td>${r.label}</td>${r.values.map((v, k) => cell(v, best[k]!, !plain.has(head[k]!))).join('')}</tr>`).join('');
  return `<table class="grid classes"><thead><tr><th>run</th>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

const label = (run: string, os: number) => `${esc(run)} <span class="dim">OS ${os}</span>`;

/**
 * The compute of every run in `scores` from its resolved config (a run folder's config.json), equal-compute
 * marked against the first (a `[aux BN]` row has its run's); a run whose config is missing or lacks the fields is left out (its compute unknown).
 */
export function computeOfRuns(scores: readonly RunScores[], configs: ReadonlyMap<string, unknown>): TrainingCompute[] {
  const names = [...new Set(scores.map((s) => s.run))];
  return markEqualCompute(
    names.flatMap((run) => {
      try {
        return [trainingCompute(run, configs.get(trainedRun(run)), `${trainedRun(run)}/config.json`)];
      } catch {
        return [];
      }
    }),
  );
}

function suiteTable(scores: readonly RunScores[], configs: ReadonlyMap<string, unknown>): string {
  const suite = scores.filter((s) => s.sets.some(isSuiteSet));
  if (suite.length === 0) return '';
  const comparison = comparisonRows(suite);
  // the chart plots the source-only rows (adapted ones used target images: reported apart, in the table only)
  const source = suite.filter((s) => !s.adaptation);
  const chart = tradeoffChart(comparisonRows(source), computeOfRuns(source, configs));
  const rows = comparison.map((r) => ({
    label: label(r.run, r.outputStride),
    values: [r.inStyle, r.shifted, r.dropClosed, r.heldOut, r.heldOutDropClosed, r.unseen, r.unseenDropClosed, r.textureFree, r.shapeBias, r.boundaryIoU],
  }));
  const head = [
    'in-style mIoU',
    'selection mIoU (mean)',
    'selection drop closed',
    'held-out mIoU (mean)',
    'held-out drop closed',
    'unseen mIoU (mean)',
    'unseen drop closed',
    'texture-free',
    'shape bias',
    'boundary IoU',
  ];
  return `<h3>Texture-shift suite</h3>${table(head, rows, new Set(['selection drop closed', 'held-out drop closed', 'unseen drop closed', 'shape bias']))}
<p class="dim">${esc(SUITE_ROLES_NOTE)} Drop closed: the share of the first source-only run's in-style → selection (or held-out, or unseen) drop this run closes.</p>${chart ? `<div class="card tradeoff">${chart}</div>` : ''}`;
}

function targetData(t: TargetColumn): string {
  if (!t.data) return `<li><b>${esc(t.name)}</b>: <span class="dim">not recorded</span></li>`;
  const d = t.data;
  const differs = t.differs.length ? ` <b>other data for ${esc(t.differs.join(', '))}</b>` : '';
  return `<li><b>${esc(t.name)}</b>: <code>${esc(d.spec)}</code> · ${d.files} files · label space ${esc(d.labelSpace)} · file list sha256 <code>${esc(d.fileListSha256.slice(0, 12))}</code>${differs}</li>`;
}

function targetTables(c: TargetComparison): string {
  if (c.rows.length === 0) return '';
  const many = c.targets.length > 1;
  const head = [
    ...c.targets.flatMap((t) => [t.name, ...t.subsets.map((n) => `${t.name} ${n}`)]),
    ...(many ? ['mean', ...c.meanSubsets.map((n) => `mean ${n}`)] : []),
  ];
  const rows = c.rows.map((r) => ({
    label: label(r.run, r.outputStride),
    values: [
      ...c.targets.flatMap((t) => [r.mIoU[t.name], ...t.subsets.map((n) => r.subsetMIoU[t.name]?.[n])]),
      ...(many ? [r.mean, ...c.meanSubsets.map((n) => r.subsetMean[n])] : []),
    ],
  }));
  const perClass = c.targets
    .map((t) => {
      const classRows = c.rows.map((r) => ({
        label: label(r.run, r.outputStride),
        values: [...t.classNames.map((k) => r.perClass[t.name]?.[k]), r.mIoU[t.name]],
      }));
      const bands = bandTables(c, t)
        .map(
          (b) =>
            `<h3>${esc(b.title)}</h3>${table(
              [...t.classNames, 'mean'],
              b.rows.map((r) => ({ label: label(r.run, r.outputStride), values: r.values })),
            )}`,
        )
        .join('');
      return `<h3>IoU per class on ${esc(t.name)}</h3>${table([...t.classNames, 'mIoU'], classRows)}${bands}`;
    })
    .join('');
  return `<h3>mIoU per target${many ? ' and the mean over targets' : ''}</h3>${table(head, rows)}
<ul class="dim">${c.targets.map(targetData).join('')}</ul>${perClass}
<p class="dim">n/a = class in neither ground truth nor prediction (left out of the mean); the mean over targets needs every target.</p>`;
}

/** The experiment section (with the trade-off chart, from the runs' resolved configs by run name), or '' when no run has experiment scores. */
export function experimentSection(scores: readonly RunScores[], configs: ReadonlyMap<string, unknown> = new Map()): string {
  if (scores.length === 0) return '';
  // rows with test-time adaptation used target images: said once under the tables
  const note = scores.some((s) => s.adaptation) ? `<p class="dim">${esc(ADAPTED_ROWS_NOTE)}</p>` : '';
  return section('experiment', 'Experiment comparison', suiteTable(scores, configs) + targetTables(targetComparison(scores)) + note);
}
