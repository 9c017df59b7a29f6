// The report's texture-shift section (from `shapeseg shift-eval`): per run, the styles' metrics and
// drops, a styles × classes IoU table, the shape-bias score and one example figure per style.

import type { ShiftEvalFile } from '../eval/shift-eval.js';
import { MEAN_ROLES, roleLabel, roleMean } from '../eval/shift-table.js';
import { heat, n2, pctCell, section } from './cells.js';
import { esc } from './charts.js';
import type { RunData } from './run-dir.js';

const delta = (d: number | null): string => (d === null ? '<span class="na">n/a</span>' : (-100 * d).toFixed(1));

function stylesTable(f: ShiftEvalFile): string {
  const hasB = f.styles.some((s) => s.result.boundary);
  const hasT = f.styles.some((s) => s.result.trimap);
  const head = `<tr><th>style</th><th>role</th><th>mIoU %</th><th>Δ mIoU (points)</th><th>pixel acc %</th><th>Δ acc</th>${hasB ? '<th>boundary IoU %</th>' : ''}${hasT ? '<th>trimap mIoU %</th>' : ''}</tr>`;
  const rows = f.styles.map(
    (
      s,
    ) => `<tr><td>${esc(s.name)}</td><td class="dim">${esc(roleLabel(s.role))}</td><td class="num" style="background:${heat(n2(s.result.mIoU))}">${pctCell(n2(s.result.mIoU))}</td>
<td class="num">${delta(s.drop.mIoU)}</td><td class="num">${pctCell(n2(s.result.pixelAccuracy))}</td><td class="num">${delta(s.drop.pixelAccuracy)}</td>${hasB ? `<td class="num">${pctCell(n2(s.result.boundary?.mBoundaryIoU))}</td>` : ''}${hasT ? `<td class="num">${pctCell(n2(s.result.trimap?.mIoU))}</td>` : ''}</tr>`,
  );
  const means = MEAN_ROLES.map((role) => {
    const m = roleMean(f, role);
    return `${roleLabel(role)} mean <b>${pctCell(n2(m.mean))}</b> % over ${m.styles} style${m.styles === 1 ? '' : 's'}`;
  }).join(' · ');
  return `<table class="grid"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table><p>${means}</p>`;
}

function classTable(f: ShiftEvalFile): string {
  const head = `<tr><th>class</th>${f.styles.map((s) => `<th>${esc(s.name)}</th>`).join('')}</tr>`;
  const rows = f.classNames.map(
    (c) =>
      `<tr><td>${esc(c)}</td>${f.styles
        .map((s) => {
          const v = n2(s.result.perClassIoU[c]);
          return `<td class="num" style="${Number.isNaN(v) ? '' : `background:${heat(v)}`}">${pctCell(v)}</td>`;
        })
        .join('')}</tr>`,
  );
  const mean = `<tr class="mean"><td>mIoU</td>${f.styles.map((s) => `<td class="num">${pctCell(n2(s.result.mIoU))}</td>`).join('')}</tr>`;
  return `<table class="grid classes"><thead>${head}</thead><tbody>${rows.join('')}${mean}</tbody></table>`;
}

function biasTable(f: ShiftEvalFile): string {
  const b = f.shapeBias;
  if (!b) return '<p class="dim">No cue-conflict style in this suite: no shape-bias score.</p>';
  const row = (name: string, c: { shape: number; texture: number; other: number; score: number | null }, cls = '') =>
    `<tr${cls}><td>${esc(name)}</td><td class="num">${pctCell(n2(c.score))}</td><td class="num">${c.shape}</td><td class="num">${c.texture}</td><td class="num">${c.other}</td></tr>`;
  return `<p><b>Shape-bias score ${pctCell(n2(b.overall.score))} %</b> on <code>${esc(b.style)}</code>: of the pixels predicted as either their shape class (the label) or their texture class (whose texture was painted there), the share predicted as shape (Geirhos et al., ICLR 2019, per pixel). 100 % = shape only, 0 % = texture only.</p>
<table class="grid"><thead><tr><th>shape class</th><th>shape bias %</th><th>shape px</th><th>texture px</th><th>other px</th></tr></thead><tbody>${f.classNames.map((c) => row(c, b.perClass[c]!)).join('')}${row('all', b.overall, ' class="mean"')}</tbody></table>`;
}

function figures(run: NonNullable<RunData['shiftEval']>): string {
  return run.result.styles
    .filter((s) => run.figures.has(s.name))
    .map(
      (s) =>
        `<figure><img alt="${esc(s.name)}" src="data:image/png;base64,${run.figures.get(s.name)!.toString('base64')}"><figcaption>${esc(s.name)} (${esc(roleLabel(s.role))}): image | ground truth | prediction | errors</figcaption></figure>`,
    )
    .join('');
}

/** The texture-shift section, or '' when no run has a shift evaluation. */
export function shiftSection(runs: readonly RunData[]): string {
  const withShift = runs.filter((r) => r.shiftEval);
  if (withShift.length === 0) return '';
  const body = withShift
    .map((r) => {
      const s = r.shiftEval!;
      const f = s.result;
      return `<h3>${esc(r.name)} <span class="dim">${esc(s.file)} · suite ${esc(f.suite.dir)} (seed ${f.suite.seed}, ${f.styles[0]?.result.data.count ?? 0} images per style) · Δ vs ${esc(f.trainingStyle)}</span></h3>
${stylesTable(f)}<h3>IoU per class and style</h3>${classTable(f)}<h3>Shape bias</h3>${biasTable(f)}${figures(s)}`;
    })
    .join('');
  const note =
    '<p class="dim">The same scenes and label maps rendered in the training style, the selection styles (shifted: other texture families and palettes of the renderer; methods are chosen on them), the held-out test styles (every label region repainted per image in random colours and texture families the renderer never draws; nothing is tuned on them), a texture-free style and a cue-conflict style (each class wears another class\'s texture). Runs trained on domain-randomised synthetic data (<code>synth --style random</code>) re-render their training set, which real datasets cannot: compare them apart from methods that work on real data.</p>';
  return section('texture-shift', 'Texture shift and shape bias', note + body);
}
