import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { barChart, lineChart, niceTicks } from '../../src/report/charts.js';
import { buildReportHtml, flatten } from '../../src/report/html.js';
import { writeReport } from '../../src/report/index.js';
import { loadRun, parseMetricsJsonl } from '../../src/report/run-dir.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/skip.js';
import { writeFakeRun } from './fake-run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let runs: string[] = [];
before(async () => {
  runs = [
    await writeFakeRun(dir, { name: 'os16-30k', outputStride: 16, steps: 3000, finalMIoU: 0.55, seed: 1, perClassArray: true }),
    await writeFakeRun(dir, { name: 'os8-60k', outputStride: 8, steps: 6000, finalMIoU: 0.62, seed: 2 }),
  ];
});

describe('run folder reading', () => {
  it('parses train and val lines, names array perClass from the label space, skips a torn line', async () => {
    const run = await loadRun(runs[0]!);
    assert.equal(run.train.length, 150);
    assert.equal(run.val.length, 6);
    assert.ok('pole' in run.val[0]!.perClass && 'traffic light' in run.val[0]!.perClass);
    assert.equal(run.evals.length, 2);
    assert.equal(run.figures.length, 1);
    assert.equal(run.checkpoints.length, 1);
    assert.ok(run.warnings.some((w) => /metrics\.jsonl:\d+: not JSON/.test(w)));
  });

  it('later lines win for a repeated step; non-numeric values are dropped', () => {
    const p = parseMetricsJsonl('{"step":1,"loss":2}\n{"step":1,"loss":1}\n{"step":2,"loss":"NaN","lr":0.1}\n{"nostep":1}', 'm.jsonl');
    assert.deepEqual(p.train, [
      { step: 1, loss: 1 },
      { step: 2, lr: 0.1 },
    ]);
    assert.match(p.warnings[0] ?? '', /m\.jsonl:4: no numeric "step"/);
  });

  it('an undefined (NaN) val mIoU, written as null or as an older file\'s "NaN", reads as null without a warning', () => {
    const p = parseMetricsJsonl(
      '{"step":1,"val":{"mIoU":0.4,"pixelAcc":0.8,"perClass":[0.4]}}\n{"step":2,"val":{"mIoU":null,"pixelAcc":null,"perClass":[null]}}\n{"step":3,"val":{"mIoU":"NaN","pixelAcc":"NaN","perClass":["NaN"]}}',
      'm.jsonl',
      ['road'],
    );
    assert.deepEqual(p.val, [
      { step: 1, mIoU: 0.4, pixelAcc: 0.8, perClass: { road: 0.4 } },
      { step: 2, mIoU: null, perClass: { road: null } },
      { step: 3, mIoU: null, perClass: { road: null } },
    ]);
    assert.deepEqual(p.warnings, []);
  });

  it('a missing folder is an error naming it', async () => {
    await assert.rejects(loadRun(path.join(dir, 'nope')), /nope does not exist/);
  });
});

describe('charts', () => {
  it('nice ticks are round', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 6000, 6), [0, 1000, 2000, 3000, 4000, 5000, 6000]);
  });

  it('line and bar charts are standalone SVG with one path / bar per series', () => {
    const svg = lineChart(
      [
        {
          name: 'a',
          color: '#f00',
          points: [
            [0, 1],
            [1, 2],
          ],
        },
        {
          name: 'b<&>',
          color: '#00f',
          points: [
            [0, 2],
            [1, 1],
          ],
        },
      ],
      { title: 'loss' },
    );
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/class="series"/g)?.length, 2);
    assert.match(svg, /b&lt;&amp;&gt;/);
    assert.match(lineChart([], { title: 'empty' }), /no data/);
    const bars = barChart([{ label: 'road', values: [0.9, NaN] }], ['r1', 'r2'], { title: 'iou' });
    assert.equal(bars.match(/class="bar"/g)?.length, 1);
    assert.match(bars, /n\/a/);
  });

  it('flatten gives dotted paths', () => {
    assert.deepEqual(
      [...flatten({ a: { b: [1, { c: 'x' }] } })],
      [
        ['a.b[0]', '1'],
        ['a.b[1].c', '"x"'],
      ],
    );
  });
});

describe('HTML report', () => {
  it('is self-contained: no external URLs, inline SVG, embedded PNGs, both runs, the differing settings', async () => {
    const html = buildReportHtml(await Promise.all(runs.map((r) => loadRun(r))), { generatedAt: new Date(0) });
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(html, /<script|<link /);
    assert.ok((html.match(/<svg /g)?.length ?? 0) >= 5);
    assert.equal(html.match(/src="data:image\/png;base64,/g)?.length, 2);
    assert.match(html, /os16-30k/);
    assert.match(html, /os8-60k/);
    assert.match(html, /<code>eval\.outputStride<\/code>/);
    assert.match(html, /traffic light/);
    // one per-class column per run: the standalone eval, not the training validation file
    assert.equal(html.match(/<th title="eval/g)?.length, 2);
    assert.match(html, /1 validation file from training/);
  });

  it('renders in headless Chromium with charts and images in the DOM and a non-trivial screenshot', async (t) => {
    const skip = skipWithoutChromium();
    if (skip) {
      t.skip(skip);
      return;
    }
    const out = path.join(dir, 'report.html');
    await writeReport(runs, out);
    const profile = fs.mkdtempSync(path.join(dir, 'chromium-'));
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ];
    const url = `file://${out}`;
    const dom = execFileSync(CHROMIUM, [...flags, '--dump-dom', url], {
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
    assert.ok((dom.match(/<svg /g)?.length ?? 0) >= 5, 'SVG charts in the rendered DOM');
    assert.ok((dom.match(/class="series"/g)?.length ?? 0) >= 6, 'curves drawn for both runs');
    assert.equal(dom.match(/<img [^>]*src="data:image\/png;base64,/g)?.length, 2, 'figures embedded');
    const shot = path.join(dir, 'report.png');
    execFileSync(CHROMIUM, [...flags, `--screenshot=${shot}`, '--window-size=1280,2000', '--hide-scrollbars', url], { timeout: 120_000, stdio: 'ignore' });
    const { data, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 1280);
    assert.equal(info.height, 2000);
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 3 * 97) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    assert.ok(colours.size > 50, `screenshot has only ${colours.size} distinct colours in its samples`);
    if (process.env.SHAPESEG_KEEP_REPORT) fs.copyFileSync(shot, process.env.SHAPESEG_KEEP_REPORT);
  });
});
