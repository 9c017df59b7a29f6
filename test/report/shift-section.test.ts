// The report's texture-shift section, from a run folder holding a hand-made shift-eval/shift-eval.json.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import { computeMetrics } from '../../src/eval/metrics.js';
import { toEvalResultFile } from '../../src/eval/result-file.js';
import { SHIFT_EVAL_FORMAT, type ShiftEvalFile, writeShiftEval } from '../../src/eval/shift-eval.js';
import { formatShiftEval, roleMean } from '../../src/eval/shift-table.js';
import { writeExampleGrid } from '../../src/report/figures.js';
import { buildReportHtml } from '../../src/report/html.js';
import { loadRun } from '../../src/report/run-dir.js';
import { syntheticExample, writeFakeRun } from './fake-run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const space = getLabelSpace('vkitti-kitti');
let withShift = '';
let without = '';
let shiftFile: ShiftEvalFile | null = null;

/** An eval result whose confusion matrix has `right` on the diagonal and 10 elsewhere. */
function result(right: number) {
  const c = space.numClasses;
  const cm = new Float64Array(c * c).map((_, i) => (i % (c + 1) === 0 ? right : 10));
  return toEvalResultFile(computeMetrics(cm), cm, 0, {
    checkpoint: null,
    labelSpace: space.name,
    classNames: space.classes,
    data: { count: 2 },
    outputStride: 8,
    scales: [1],
    flip: false,
  });
}

before(async () => {
  withShift = await writeFakeRun(dir, { name: 'shifted-run', outputStride: 8, steps: 1000, finalMIoU: 0.6, seed: 3 });
  without = await writeFakeRun(dir, { name: 'plain-run', outputStride: 8, steps: 1000, finalMIoU: 0.6, seed: 4 });
  const styles = [
    ['default', 'training', 1000],
    ['shifted', 'shifted', 100],
    ['heldout-1', 'held-out', 200],
    ['cue-conflict', 'cue-conflict', 50],
  ] as const;
  const train = result(1000);
  const counts = { shape: 30, texture: 10, other: 60, score: 0.75 };
  const file: ShiftEvalFile = {
    format: SHIFT_EVAL_FORMAT,
    createdAt: '2026-01-01T00:00:00Z',
    checkpoint: null,
    model: 'deeplabv3_resnet18',
    labelSpace: space.name,
    classNames: [...space.classes],
    suite: { dir: '/suites/demo', seed: 2, frames: 2, worlds: ['0020'], height: 64, width: 192 },
    trainingStyle: 'default',
    styles: styles.map(([name, role, right]) => {
      const r = result(right);
      return {
        name,
        role,
        figure: name === 'shifted' ? 'shifted.png' : null,
        drop: { mIoU: train.mIoU! - r.mIoU!, pixelAccuracy: train.pixelAccuracy! - r.pixelAccuracy! },
        result: r,
      };
    }),
    shapeBias: { style: 'cue-conflict', overall: counts, perClass: Object.fromEntries(space.classes.map((c) => [c, counts])) },
  };
  shiftFile = file;
  await writeShiftEval(path.join(withShift, 'shift-eval', 'shift-eval.json'), file);
  await writeExampleGrid(path.join(withShift, 'shift-eval', 'shifted.png'), [syntheticExample(64, 20, 2)], space.colors, { tileWidth: 64 });
});

describe('texture-shift report section', () => {
  it('shows the styles with their drops, the styles x classes table, the shape-bias score and the style figures', async () => {
    const run = await loadRun(withShift);
    assert.ok(run.shiftEval);
    assert.deepEqual([...run.shiftEval.figures.keys()], ['shifted']);
    const html = buildReportHtml([run, await loadRun(without)], { generatedAt: new Date(0) });
    const sec = html.slice(html.indexOf('<section id="texture-shift">'));
    assert.ok(html.includes('<a href="#texture-shift">'), 'nav link');
    assert.ok(sec.length > 0 && sec.indexOf('</section>') > 0);
    const body = sec.slice(0, sec.indexOf('</section>'));
    for (const s of ['default', 'shifted', 'cue-conflict', 'training']) assert.ok(body.includes(`<td>${s}</td>`) || body.includes(`>${s}<`), s);
    for (const c of space.classes) assert.ok(body.includes(`<td>${c}</td>`), c);
    assert.match(body, /Shape-bias score 75\.0 %/);
    // the shifted styles are the selection styles; the held-out test styles have their own mean
    assert.match(body, /<td>shifted<\/td><td class="dim">selection<\/td>/);
    assert.match(body, /<td>heldout-1<\/td><td class="dim">held-out<\/td>/);
    assert.match(body, /selection mean <b>[\d.]+<\/b> % over 1 style · held-out mean <b>[\d.]+<\/b> % over 1 style/);
    assert.equal((body.match(/<img /g) ?? []).length, 1);
    assert.ok(!body.includes('plain-run'), 'runs without a shift evaluation are left out');
  });

  it("shift-eval's printed table names the roles and gives the selection and held-out means", () => {
    const f = shiftFile!;
    const text = formatShiftEval(f);
    const mean = (name: string) => (100 * f.styles.find((s) => s.name === name)!.result.mIoU!).toFixed(1);
    assert.match(text, /^shifted +selection /m);
    assert.match(text, /^heldout-1 +held-out /m);
    assert.match(text, new RegExp(`^selection mean: ${mean('shifted')} % mIoU over 1 style$`, 'm'));
    assert.match(text, new RegExp(`^held-out mean: ${mean('heldout-1')} % mIoU over 1 style$`, 'm'));
    assert.equal(roleMean({ ...f, styles: f.styles.filter((s) => s.role !== 'held-out') }, 'held-out').mean, null);
  });

  it('shows the band metrics of an eval file in the run summary', async () => {
    const r = result(500);
    const withBands = {
      ...r,
      boundary: { ratio: 0.02, mBoundaryIoU: 0.4, perClassBoundaryIoU: {} },
      trimap: { ratio: 0.05, mIoU: 0.3, pixelAccuracy: 0.5, pixels: 10, perClassIoU: {} },
    };
    fs.writeFileSync(path.join(withShift, 'eval', 'bands.json'), JSON.stringify(withBands));
    const html = buildReportHtml([await loadRun(withShift)], { generatedAt: new Date(0) });
    assert.match(html, /boundary IoU 40\.0 <span class="dim">\(band 0\.02\)/);
    assert.match(html, /trimap mIoU 30\.0 <span class="dim">\(band 0\.05\)/);
  });

  it('adds nothing for runs without a shift evaluation, and warns about an unreadable one', async () => {
    const html = buildReportHtml([await loadRun(without)], { generatedAt: new Date(0) });
    assert.ok(!html.includes('texture-shift'));
    fs.mkdirSync(path.join(without, 'shift-eval'));
    fs.writeFileSync(path.join(without, 'shift-eval', 'shift-eval.json'), '{"format":"x"}');
    const run = await loadRun(without);
    assert.equal(run.shiftEval, undefined);
    assert.ok(
      run.warnings.some((w) => w.includes('shift-eval.json') && w.includes('format')),
      run.warnings.join('\n'),
    );
  });
});
