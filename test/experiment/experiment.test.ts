// `shapeseg experiment`: runs share data and budget, each is evaluated, the comparison is written, and a second
// invocation repeats nothing that finished; a typo in any run fails before training starts.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { deepMerge, loadExperiment } from '../../src/experiment/load.js';
import { comparisonRows, type RunScores } from '../../src/experiment/scores.js';
import { generateSuite } from '../../src/synth/suite.js';
import { assertOk, shapeseg, snapshot, writeYaml } from '../e2e/cli.js';
import { pair } from './scores-fixtures.js';
import { tinyBase } from './tiny.js';

test('deepMerge merges objects key by key and replaces arrays', () => {
  assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
});

test('a bad run override is refused naming the run and the field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-exp-'));
  try {
    tinyBase(dir, path.join(dir, 'data'));
    const file = writeYaml(path.join(dir, 'e.yaml'), { base: 'base.yaml', runs: [{ name: 'ok' }, { name: 'bad', override: { train: { batchSize: 0 } } }] });
    assert.throws(() => loadExperiment(file), /train\.batchSize: .*runs\[1\] \(bad\)/s);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('comparisonRows: the first run is the baseline of "drop closed"', () => {
  const rows = comparisonRows([pair('base', 0.6, 0.2), pair('m', 0.6, 0.4)]);
  assert.equal(rows[0]!.dropClosed, null);
  assert.ok(Math.abs(rows[1]!.dropClosed! - 0.5) < 1e-12);
});

test('shapeseg experiment trains, evaluates and compares runs, and resumes without repeating finished runs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-exp-'));
  try {
    const data = path.join(dir, 'data');
    tinyBase(dir, data);
    const file = writeYaml(path.join(dir, 'tiny.yaml'), {
      description: 'two tiny runs',
      base: 'base.yaml',
      synth: [{ out: data, layout: 'vkitti1', worlds: ['0001'], frames: 3, height: 32, width: 96, seed: 1 }],
      eval: { outputStrides: [16], shiftSuite: false },
      runs: [{ name: 'baseline' }, { name: 'higher-lr', override: { train: { schedule: { lr: 0.05 } } } }],
    });
    const out = path.join(dir, 'out');
    const first = shapeseg(dir, 'experiment', file, '--out', out, '--no-progress');
    assertOk(first, 'experiment');
    const cmp = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8')) as { rows: Array<{ run: string; inStyle: number }> };
    assert.deepEqual(
      cmp.rows.map((r) => r.run),
      ['baseline', 'higher-lr'],
    );
    for (const r of cmp.rows) assert.ok(r.inStyle >= 0 && r.inStyle <= 1);
    assert.match(first.stdout, /\| baseline \| 16 \|/);
    const before = snapshot(path.join(out, 'baseline', 'checkpoints'));
    const second = shapeseg(dir, 'experiment', file, '--out', out, '--no-progress');
    assertOk(second, 'experiment again');
    assert.doesNotMatch(second.stderr, /training /);
    assert.deepEqual(snapshot(path.join(out, 'baseline', 'checkpoints')), before);
    // --only does that run now; the comparison still covers every finished run
    const only = shapeseg(dir, 'experiment', file, '--out', out, '--only', 'higher-lr', '--no-progress');
    assertOk(only, 'experiment --only');
    const after = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8')) as { rows: Array<{ run: string }> };
    assert.deepEqual(
      after.rows.map((r) => r.run),
      ['baseline', 'higher-lr'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with the texture-shift suite, each run gets selection, held-out, texture-free and shape-bias scores, and old scores are re-scored', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-exp-'));
  try {
    const data = path.join(dir, 'data');
    tinyBase(dir, data);
    const suite = path.join(dir, 'suite');
    await generateSuite({ out: suite, frames: 2, height: 32, width: 96 });
    const file = writeYaml(path.join(dir, 'suite.yaml'), {
      base: 'base.yaml',
      synth: [{ out: data, layout: 'vkitti1', worlds: ['0001'], frames: 3, height: 32, width: 96, seed: 1 }],
      eval: { outputStrides: [16], shiftSuite: true, suite, figures: 1 },
      runs: [{ name: 'only' }],
    });
    const out = path.join(dir, 'out');
    assertOk(shapeseg(dir, 'experiment', file, '--out', out, '--no-progress'), 'experiment with the suite');
    const cmp = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8')) as {
      rows: Array<{
        inStyle: number | null;
        shifted: number | null;
        heldOut: number | null;
        unseen: number | null;
        textureFree: number | null;
        shapeBias: number | null;
        boundaryIoU: number | null;
      }>;
      compute: unknown[];
    };
    const row = cmp.rows[0]!;
    for (const k of ['inStyle', 'shifted', 'heldOut', 'unseen', 'textureFree', 'boundaryIoU'] as const) assert.equal(typeof row[k], 'number', k);
    assert.ok(row.shapeBias === null || (row.shapeBias >= 0 && row.shapeBias <= 1));
    assert.deepEqual(cmp.compute, [
      { run: 'only', steps: 2, batchSize: 2, accumulate: 1, images: 4, consistency: false, forwardImages: 4, equalCompute: true },
    ]);
    assert.ok(fs.existsSync(path.join(out, 'only', 'eval-os16', 'shift-eval.json')));
    assert.ok(fs.existsSync(path.join(out, 'only', 'eval-os16', 'default.png')));
    assert.equal(
      fs.readFileSync(path.join(out, 'tradeoff.svg'), 'utf8').match(/class="marker"/g)?.length,
      3,
      'one marker per panel (held-out, unseen, selection)',
    );
    assert.match(fs.readFileSync(path.join(out, 'comparison.html'), 'utf8'), /<div class="card tradeoff"><svg /);
    // scores written before the held-out styles existed: the next call re-scores the checkpoint on the suite, no training
    const scoresFile = path.join(out, 'only', 'scores-os16.json');
    const scores = JSON.parse(fs.readFileSync(scoresFile, 'utf8')) as RunScores;
    assert.deepEqual(
      scores.sets.filter((x) => x.kind === 'held-out').map((x) => x.name),
      ['heldout-1', 'heldout-2', 'heldout-3'],
    );
    // (and scores written before the unseen styles existed, the case of every run of the fourth round)
    fs.writeFileSync(scoresFile, JSON.stringify({ ...scores, sets: scores.sets.filter((x) => x.kind !== 'held-out' && x.kind !== 'unseen') }));
    const checkpoints = snapshot(path.join(out, 'only', 'checkpoints'));
    const again = shapeseg(dir, 'experiment', file, '--out', out, '--no-progress');
    assertOk(again, 'experiment over old scores');
    assert.doesNotMatch(again.stderr, /training /);
    assert.match(
      again.stderr,
      /only at OS 16: evaluating the suite \(for heldout-1, heldout-2, heldout-3, unseen-1, unseen-2, unseen-3\) \(not in its scores yet\)/,
    );
    assert.deepEqual(snapshot(path.join(out, 'only', 'checkpoints')), checkpoints);
    const rescored = JSON.parse(fs.readFileSync(scoresFile, 'utf8')) as RunScores;
    assert.deepEqual(
      rescored.sets.map((x) => x.name),
      scores.sets.map((x) => x.name),
      'every suite style once',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
