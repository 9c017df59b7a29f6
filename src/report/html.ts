// One self-contained HTML page comparing runs: no scripts, no external URLs; charts are
// inline SVG, figures are base64 data URIs, so the file can be mailed or archived as is.
import path from 'node:path';
import { getLabelSpace } from '../data/label-spaces.js';
import type { EvalResultFile } from '../eval/result-file.js';
import type { RunScores } from '../experiment/scores.js';
import { heat, n2, pctCell, section } from './cells.js';
import { type BarGroup, barChart, esc, lineChart, runColor, type Series } from './charts.js';
import { ERROR_COLORS, IGNORE_COLOR, rgbHex } from './colorize.js';
import { experimentSection } from './experiment-section.js';
import type { RunData } from './run-dir.js';
import { shiftSection } from './shift-section.js';

/** One column of per-class numbers: an eval file of a run, or the run's last validation. */
export interface ClassColumn {
  label: string;
  run: string;
  source: string;
  mIoU: number;
  perClass: Record<string, number | null>;
  order: readonly string[];
}

/** Options of `buildReportHtml`. */
export interface ReportOptions {
  title?: string;
  /** Fixed timestamp (tests); default now. */
  generatedAt?: Date;
  /** Experiment scores to compare instead of the runs' scores files (an experiment passes them cut to its file). */
  scores?: readonly RunScores[];
}

/** Whether an eval file is a validation written during training (eval/step-<N>.json) rather than a `shapeseg eval`. */
export function isTrainingValidation(e: RunData['evals'][number]): boolean {
  return e.result.step !== undefined || /^step-\d+\.json$/.test(path.basename(e.file));
}

function evalSetting(r: EvalResultFile): string {
  const ms = r.scales.length > 1 || r.scales[0] !== 1 ? `scales ${r.scales.join('/')}` : '';
  return [`OS ${r.outputStride ?? '?'}`, ms, r.flip ? 'flip' : ''].filter(Boolean).join(', ');
}

/**
 * The per-class columns of the runs: every standalone eval file; else the last validation eval file;
 * else the last validation line of metrics.jsonl.
 */
export function classColumns(runs: readonly RunData[]): ClassColumn[] {
  const cols: ClassColumn[] = [];
  for (const run of runs) {
    const standalone = run.evals.filter((e) => !isTrainingValidation(e));
    const lastVal = run.evals.filter(isTrainingValidation).at(-1);
    const chosen = standalone.length ? standalone : lastVal ? [lastVal] : [];
    for (const e of chosen) {
      const r = e.result;
      const name = r.step !== undefined ? `val @${r.step}` : path.basename(e.file);
      cols.push({
        label: `${run.name} · ${name}`,
        run: run.name,
        source: `${e.file} (${evalSetting(r)}; ${r.data.count} images)`,
        mIoU: n2(r.mIoU),
        perClass: r.perClassIoU,
        order: r.classNames,
      });
    }
    const last = run.val.at(-1);
    if (chosen.length === 0 && last) {
      cols.push({
        label: `${run.name} · val @${last.step}`,
        run: run.name,
        source: `metrics.jsonl step ${last.step}`,
        mIoU: n2(last.mIoU),
        perClass: last.perClass,
        order: Object.keys(last.perClass),
      });
    }
  }
  return cols;
}

/** Class names of all columns, in the first column's order, then any others. */
function classOrder(cols: readonly ClassColumn[]): string[] {
  const seen = new Set<string>();
  for (const c of cols) for (const k of [...c.order, ...Object.keys(c.perClass)]) seen.add(k);
  return [...seen];
}

/** Flattens JSON into dotted paths (train.phases[1].outputStride → value). */
export function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, '[]');
    value.forEach((v, i) => {
      flatten(v, `${prefix}[${i}]`, out);
    });
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(prefix, '{}');
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(value));
  return out;
}

/** ` · boundary IoU x (band r) · trimap mIoU y (band r)` for the band metrics an eval file has. */
function bandText(r: EvalResultFile): string {
  const b = r.boundary ? ` · boundary IoU ${pctCell(n2(r.boundary.mBoundaryIoU))} <span class="dim">(band ${r.boundary.ratio})</span>` : '';
  const t = r.trimap ? ` · trimap mIoU ${pctCell(n2(r.trimap.mIoU))} <span class="dim">(band ${r.trimap.ratio})</span>` : '';
  return b + t;
}

function summarySection(runs: readonly RunData[]): string {
  const rows = runs.map((run, i) => {
    const cfg = flatten(run.config);
    const last = run.train.at(-1);
    const best = run.val.reduce<{ step: number; mIoU: number } | null>(
      (b, v) => (v.mIoU !== null && (!b || v.mIoU > b.mIoU) ? { step: v.step, mIoU: v.mIoU } : b),
      null,
    );
    const vals = run.evals.filter(isTrainingValidation);
    const lastVal = vals.at(-1);
    const evals =
      run.evals
        .filter((e) => !isTrainingValidation(e))
        .map(
          (e) =>
            `<div>${esc(e.file)}: <b>${pctCell(n2(e.result.mIoU), 2)}</b> mIoU · acc ${pctCell(n2(e.result.pixelAccuracy))} · fwIoU ${pctCell(n2(e.result.frequencyWeightedIoU))}${bandText(e.result)} · ${esc(evalSetting(e.result))} · ${e.result.data.count} img</div>`,
        )
        .join('') +
      (lastVal
        ? `<div class="dim">${vals.length} validation file${vals.length > 1 ? 's' : ''} from training; last ${esc(lastVal.file)}: ${pctCell(n2(lastVal.result.mIoU), 2)} mIoU</div>`
        : '');
    return `<tr><td><span class="swatch" style="background:${runColor(i)}"></span><b>${esc(run.name)}</b><div class="dim">${esc(run.dir)}</div></td>
<td>${esc(JSON.parse(cfg.get('model.name') ?? 'null') ?? '?')}</td><td class="num">${last ? last.step.toLocaleString('en-US') : '–'}</td>
<td class="num">${last?.loss !== undefined ? last.loss.toFixed(4) : '–'}</td><td class="num">${best ? `${pctCell(best.mIoU, 2)} <span class="dim">@${best.step.toLocaleString('en-US')}</span>` : '–'}</td>
<td>${evals || '<span class="dim">no eval/*.json</span>'}</td><td class="num">${run.checkpoints.length}</td></tr>`;
  });
  return section(
    'summary',
    'Runs',
    `<table class="grid"><thead><tr><th>run</th><th>model</th><th>last step</th><th>last loss</th><th>best val mIoU</th><th>evaluations</th><th>ckpts</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  );
}

function curvesSection(runs: readonly RunData[]): string {
  const series = (pick: (r: RunData) => Array<[number, number]>): Series[] => runs.map((r, i) => ({ name: r.name, color: runColor(i), points: pick(r) }));
  const trainOf = (key: 'loss' | 'lr' | 'imagesPerSec') => (r: RunData) =>
    r.train.filter((p) => p[key] !== undefined).map((p): [number, number] => [p.step, p[key] as number]);
  const charts = [
    lineChart(series(trainOf('loss')), { title: 'Training loss', xLabel: 'step', smooth: 0.9 }),
    lineChart(
      series((r) => r.val.flatMap((v): Array<[number, number]> => (v.mIoU === null ? [] : [[v.step, v.mIoU]]))),
      { title: 'Validation mIoU', xLabel: 'step', yFormat: (v) => `${+(100 * v).toFixed(1)}%` },
    ),
    lineChart(series(trainOf('lr')), { title: 'Learning rate', xLabel: 'step' }),
    lineChart(series(trainOf('imagesPerSec')), { title: 'Throughput (images/s)', xLabel: 'step', smooth: 0.9 }),
  ];
  return section('curves', 'Training curves', `<div class="charts">${charts.map((c) => `<div class="card">${c}</div>`).join('')}</div>`);
}

function perClassSection(cols: readonly ClassColumn[]): string {
  if (cols.length === 0)
    return section('per-class', 'Per-class IoU', '<p class="dim">No evaluation results (eval/*.json) or validation lines in metrics.jsonl.</p>');
  const classes = classOrder(cols);
  const head = cols.map((c, i) => `<th title="${esc(c.source)}"><span class="swatch" style="background:${runColor(i)}"></span>${esc(c.label)}</th>`).join('');
  const rows = classes.map((k) => {
    const vals = cols.map((c) => n2(c.perClass[k]));
    const best = Math.max(...vals.filter((v) => !Number.isNaN(v)));
    const cells = vals.map(
      (v) => `<td class="num${v === best && cols.length > 1 ? ' best' : ''}" style="${Number.isNaN(v) ? '' : `background:${heat(v)}`}">${pctCell(v)}</td>`,
    );
    return `<tr><td>${esc(k)}</td>${cells.join('')}</tr>`;
  });
  const mean = `<tr class="mean"><td>mIoU</td>${cols.map((c) => `<td class="num">${pctCell(c.mIoU, 2)}</td>`).join('')}</tr>`;
  const table = `<table class="grid classes"><thead><tr><th>class</th>${head}</tr></thead><tbody>${rows.join('')}${mean}</tbody></table>`;
  const groups: BarGroup[] = classes.map((k) => ({ label: k, values: cols.map((c) => n2(c.perClass[k])) }));
  const chart = barChart(
    groups,
    cols.map((c) => c.label),
    { title: 'Per-class IoU', width: 600 },
  );
  const sources = `<p class="dim">Columns: ${cols.map((c) => `${esc(c.label)} = ${esc(c.source)}`).join('; ')}. n/a = class in neither ground truth nor prediction (left out of the mean).</p>`;
  return section('per-class', 'Per-class IoU', `<div class="side"><div>${table}${sources}</div><div class="card">${chart}</div></div>`);
}

function configSection(runs: readonly RunData[]): string {
  const flats = runs.map((r) => flatten(r.config));
  const keys = [...new Set(flats.flatMap((f) => [...f.keys()]))];
  const differing = runs.length > 1 ? keys.filter((k) => new Set(flats.map((f) => f.get(k) ?? '–')).size > 1) : [];
  const diff = differing.length
    ? `<h3>Settings that differ</h3><table class="grid"><thead><tr><th>setting</th>${runs.map((r) => `<th>${esc(r.name)}</th>`).join('')}</tr></thead><tbody>${differing
        .map((k) => `<tr><td><code>${esc(k)}</code></td>${flats.map((f) => `<td><code>${esc(f.get(k) ?? '–')}</code></td>`).join('')}</tr>`)
        .join('')}</tbody></table>`
    : runs.length > 1
      ? '<p class="dim">The runs have identical configs.</p>'
      : '';
  const full = runs
    .map(
      (r) =>
        `<details${runs.length === 1 ? ' open' : ''}><summary>${esc(r.name)}: config.json</summary><pre>${esc(r.config === null ? '(no config.json)' : JSON.stringify(r.config, null, 2))}</pre></details>`,
    )
    .join('');
  return section('config', 'Configuration', diff + full);
}

function figuresSection(runs: readonly RunData[]): string {
  const body = runs
    .filter((r) => r.figures.length)
    .map(
      (r) =>
        `<h3>${esc(r.name)}</h3>${r.figures
          .map(
            (f) => `<figure><img alt="${esc(f.file)}" src="data:image/png;base64,${f.png.toString('base64')}"><figcaption>${esc(f.file)}</figcaption></figure>`,
          )
          .join('')}`,
    )
    .join('');
  const chip = (c: readonly number[]) => `<span class="chip" style="background:${rgbHex([c[0]!, c[1]!, c[2]!])}"></span>`;
  const spaces = [...new Set(runs.flatMap((r) => r.evals.map((e) => e.result.labelSpace)))].flatMap((n) => {
    try {
      return [getLabelSpace(n)];
    } catch {
      return [];
    }
  });
  const classLegend = spaces
    .map(
      (sp) =>
        `<p class="dim legend">${esc(sp.name)}: ${sp.classes.map((c, k) => `<span>${chip(sp.colors[k]!)} ${esc(c)}</span>`).join(' ')} <span>${chip(IGNORE_COLOR)} ignored</span></p>`,
    )
    .join('');
  const legend = `<p class="dim">Rows: image | ground truth | prediction | error map (${chip(ERROR_COLORS.correct)} correct, ${chip(ERROR_COLORS.wrong)} wrong, ${chip(ERROR_COLORS.ignored)} ignored).</p>${classLegend}`;
  return section('figures', 'Qualitative results', body ? legend + body : '<p class="dim">No figures/*.png in these runs.</p>');
}

function warningsSection(runs: readonly RunData[]): string {
  const w = runs.flatMap((r) => r.warnings);
  return w.length ? section('warnings', 'Notes while reading', `<ul class="dim">${w.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`) : '';
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:#f5f6f8}
header{background:#1f2933;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:20px;font-weight:600}
header .meta{color:#cbd2d9;font-size:13px;margin-top:4px}
nav{padding:8px 32px;background:#fff;border-bottom:1px solid #e1e4e8;font-size:13px}
nav a{color:#3b6ea5;margin-right:16px;text-decoration:none}
main{padding:8px 32px 40px;max-width:1320px}
section{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:12px 20px 18px;margin:18px 0}
h2{font-size:16px;margin:4px 0 12px}
h3{font-size:14px;margin:16px 0 8px}
table.grid{border-collapse:collapse;font-size:13px}
table.grid th,table.grid td{border-bottom:1px solid #eceef1;padding:4px 10px;text-align:left;vertical-align:top}
table.grid th{background:#fafbfc;font-weight:600;white-space:nowrap}
table.grid td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.classes td.best{font-weight:700}
table.grid tr.mean td{border-top:2px solid #bbb;font-weight:700}
.dim{color:#6b7280;font-size:12px}
.na{color:#9ca3af}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.chip{display:inline-block;width:10px;height:10px;border:1px solid #999;vertical-align:middle}
.legend span{white-space:nowrap;margin-right:8px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px}
.card{border:1px solid #eceef1;border-radius:4px;padding:4px;background:#fff;overflow-x:auto}
.chart{display:block;max-width:100%;height:auto}
.side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,620px);gap:20px;align-items:start}
@media (max-width:1100px){.side{grid-template-columns:1fr}}
figure{margin:0 0 14px}
figure img{max-width:100%;border:1px solid #ddd;display:block}
figcaption{font-size:12px;color:#6b7280;margin-top:2px}
pre{background:#f6f8fa;padding:10px;border-radius:4px;font-size:12px;overflow:auto;max-height:420px}
summary{cursor:pointer;margin:6px 0;font-weight:600}
code{font-size:12px}
`;

/** Builds the whole report page for the given runs. */
export function buildReportHtml(runs: readonly RunData[], opts: ReportOptions = {}): string {
  if (runs.length === 0) throw new Error('report: no runs given');
  const title = opts.title ?? `shapeseg report: ${runs.map((r) => r.name).join(' vs ')}`;
  const when = (opts.generatedAt ?? new Date())
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const scores = opts.scores ?? runs.flatMap((r) => r.scores ?? []);
  const sections = [
    summarySection(runs),
    experimentSection(scores, new Map(runs.map((r) => [r.name, r.config]))),
    curvesSection(runs),
    perClassSection(classColumns(runs)),
    shiftSection(runs),
    figuresSection(runs),
    configSection(runs),
    warningsSection(runs),
  ];
  const nav = [
    ['summary', 'Runs'],
    ...(scores.length > 0 ? [['experiment', 'Experiment']] : []),
    ['curves', 'Curves'],
    ['per-class', 'Per-class IoU'],
    ...(runs.some((r) => r.shiftEval) ? [['texture-shift', 'Texture shift']] : []),
    ['figures', 'Figures'],
    ['config', 'Config'],
  ]
    .map(([id, t]) => `<a href="#${id}">${t}</a>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><div class="meta">${runs.length} run${runs.length > 1 ? 's' : ''} · generated ${esc(when)}</div></header>
<nav>${nav}</nav><main>
${sections.join('\n')}
</main></body></html>
`;
}
