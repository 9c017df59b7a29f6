// The in-style vs shifted trade-off chart: the least-squares line, which runs it is fitted through (equal compute),
// markers coloured by shape bias, and the chart in the experiment's HTML report as headless Chromium renders it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { markEqualCompute, trainingCompute } from '../../src/experiment/compute.js';
import { comparisonRows, type RunScores } from '../../src/experiment/scores.js';
import { fitLine } from '../../src/report/fit-line.js';
import { buildReportHtml } from '../../src/report/html.js';
import { loadRuns } from '../../src/report/run-dir.js';
import { shapeBiasColour, tradeoffChart } from '../../src/report/tradeoff-chart.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/skip.js';
import { writeFakeRun } from './fake-run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-tradeoff-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Suite scores of a run: in-style, one selection style, one held-out style, and a shape-bias score. */
const scores = (run: string, inStyle: number, selection: number, heldOut: number, shapeBias: number): RunScores => ({
  run,
  outputStride: 8,
  checkpoint: '',
  classNames: ['road'],
  shapeBias,
  shapeBiasPerClass: [shapeBias],
  sets: [
    { name: 'default', kind: 'in-style', mIoU: inStyle, pixelAccuracy: 1, perClassIoU: [inStyle] },
    { name: 'shifted-hue', kind: 'shifted', mIoU: selection, pixelAccuracy: 1, perClassIoU: [selection] },
    { name: 'heldout-1', kind: 'held-out', mIoU: heldOut, pixelAccuracy: 1, perClassIoU: [heldOut] },
  ],
});
const ALL = [scores('base', 0.62, 0.1, 0.15, 0), scores('method', 0.52, 0.28, 0.3, 1), scores('twice', 0.5, 0.3, 0.35, 0.6)];
const config = (steps: number) => ({ train: { batchSize: 8, phases: [{ steps }] } });

describe('fitLine', () => {
  it('recovers an exact line and the least-squares line of known points', () => {
    const exact = fitLine([
      [0, 1],
      [1, 3],
      [3, 7],
    ])!;
    assert.ok(Math.abs(exact.slope - 2) < 1e-12 && Math.abs(exact.intercept - 1) < 1e-12);
    // x̄ = 1, ȳ = 5/3, Sxy = 1, Sxx = 2: slope 1/2, intercept 7/6
    const ls = fitLine([
      [0, 1],
      [1, 2],
      [2, 2],
    ])!;
    assert.ok(Math.abs(ls.slope - 0.5) < 1e-12 && Math.abs(ls.intercept - 7 / 6) < 1e-12);
    assert.equal(fitLine([[1, 1]]), null);
    assert.equal(
      fitLine([
        [0.5, 1],
        [0.5, 2],
      ]),
      null,
      'no line through a vertical cloud',
    );
  });
});

describe('tradeoffChart', () => {
  it('one marker per run and panel, coloured by shape bias; the fit through the equal-compute runs only', () => {
    const compute = markEqualCompute([
      trainingCompute('base', config(1000), 'a'),
      trainingCompute('method', config(1000), 'b'),
      trainingCompute('twice', config(2000), 'c'),
    ]);
    const svg = tradeoffChart(comparisonRows(ALL), compute);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/class="marker"/g)?.length, 6);
    assert.equal(svg.match(/<circle class="marker"[^>]*data-compute="equal"/g)?.length, 4);
    assert.equal(svg.match(/<rect class="marker" data-run="twice" data-compute="other"/g)?.length, 2);
    assert.match(svg, new RegExp(`data-run="base" data-compute="equal" fill="${shapeBiasColour(0)}"`));
    assert.equal(svg.match(/class="fit"/g)?.length, 2, 'a fitted line per panel');
    // held-out panel: through (0.62, 0.15) and (0.52, 0.30): slope −1.5, intercept 1.08
    assert.match(svg, /fit: y = -1\.50 · x \+ 108 %/);
    assert.match(svg, /least squares through the 2 equal-compute runs .*: base, method\./);
    assert.match(svg, /not in the fit \(other compute\): twice\./);
    assert.equal(shapeBiasColour(0), '#440154');
    assert.equal(shapeBiasColour(1), '#fde725');
    assert.equal(shapeBiasColour(null), '#bbbbbb');
    assert.equal(tradeoffChart([], []), '');
  });

  it('a third panel, in the middle, for the unseen test styles once a run has them', () => {
    const withUnseen = ALL.map((s, i) => ({
      ...s,
      sets: [...s.sets, { name: 'unseen-1', kind: 'unseen' as const, mIoU: 0.1 + 0.05 * i, pixelAccuracy: 1, perClassIoU: [0.1] }],
    }));
    const compute = markEqualCompute(['base', 'method', 'twice'].map((r) => trainingCompute(r, config(1000), r)));
    const svg = tradeoffChart(comparisonRows(withUnseen), compute);
    assert.equal(svg.match(/class="marker"/g)?.length, 9, 'three runs in three panels');
    const titles = [...svg.matchAll(/(held-out|unseen|selection) mean vs in-style/g)].map((m) => m[1]);
    assert.deepEqual(titles, ['held-out', 'unseen', 'selection']);
    assert.match(svg, /over the unseen test styles \(middle/);
    assert.equal(tradeoffChart(comparisonRows(ALL), compute).match(/unseen/g), null, 'no unseen panel without unseen scores');
  });
});

describe('the trade-off chart in the HTML report', () => {
  it('renders in headless Chromium: the svg with a marker per run and panel, in the shape-bias colours', async (t) => {
    const skip = skipWithoutChromium();
    if (skip) {
      t.skip(skip);
      return;
    }
    const runs = [];
    for (const [i, [name, steps]] of (
      [
        ['base', 1000],
        ['method', 1000],
        ['twice', 2000],
      ] as const
    ).entries())
      runs.push(await writeFakeRun(dir, { name, outputStride: 8, steps, finalMIoU: 0.5, seed: i }));
    const html = path.join(dir, 'comparison.html');
    fs.writeFileSync(html, buildReportHtml(await loadRuns(runs), { scores: ALL, generatedAt: new Date(0) }));
    const profile = fs.mkdtempSync(path.join(dir, 'chromium-'));
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', `--user-data-dir=${profile}`];
    const url = `file://${html}`;
    const dom = execFileSync(CHROMIUM, [...flags, '--dump-dom', url], {
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
    const chart = /<div class="card tradeoff"><svg[\s\S]*?<\/svg>/.exec(dom)?.[0] ?? '';
    assert.equal(chart.match(/class="marker"/g)?.length, 6, 'three runs in two panels');
    assert.equal(chart.match(/data-compute="other"/g)?.length, 2, 'the run with twice the steps is another compute');
    assert.equal(chart.match(/class="fit"/g)?.length, 2);
    const shot = path.join(dir, 'comparison.png');
    execFileSync(CHROMIUM, [...flags, `--screenshot=${shot}`, '--window-size=1280,2000', '--hide-scrollbars', url], { timeout: 120_000, stdio: 'ignore' });
    const { data } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const count = (rgb: readonly number[]) => {
      let n = 0;
      for (let i = 0; i < data.length; i += 3) if (Math.abs(data[i]! - rgb[0]!) + Math.abs(data[i + 1]! - rgb[1]!) + Math.abs(data[i + 2]! - rgb[2]!) < 12) n++;
      return n;
    };
    // shape bias 0 (viridis dark purple) and 1 (yellow): each run's two markers, about 2 × π·6² pixels
    assert.ok(count([68, 1, 84]) > 100, `${count([68, 1, 84])} dark purple marker pixels`);
    assert.ok(count([253, 231, 37]) > 100, `${count([253, 231, 37])} yellow marker pixels`);
  });
});
