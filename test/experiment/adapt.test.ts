// `eval.adapt`: every run also scored with test-time adaptation, as rows of their own that are marked as using
// target images and never serve as the baseline of "drop closed"; adding an adaptation later evaluates only it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readEvalResult } from '../../src/eval/result-file.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { ExperimentEvalSchema } from '../../src/experiment/schema.js';
import { comparisonRows, type RunScores, withAdaptedRows } from '../../src/experiment/scores.js';
import { pendingEvaluation } from '../../src/experiment/targets.js';
import { assertOk, shapeseg, writeYaml } from '../e2e/cli.js';
import { pair } from './scores-fixtures.js';
import { inTempDir, tinyBase } from './tiny.js';

const scores = (run: string, inStyle: number, shifted: number, adaptation: RunScores['adaptation'] = null): RunScores =>
  pair(run, inStyle, shifted, { adaptation });

test('adapted scores become rows after the source-only ones and are never the baseline of "drop closed"', () => {
  const base = { ...scores('base', 0.6, 0.2), adapted: [scores('base + bn-adapt', 0.6, 0.5, { method: 'bn', prior: 16 })] };
  const rows = comparisonRows(withAdaptedRows([base, scores('m', 0.6, 0.4)]));
  assert.deepEqual(
    rows.map((r) => [r.run, r.adaptation]),
    [
      ['base', null],
      ['m', null],
      ['base + bn-adapt', 'bn-adapt'],
    ],
  );
  assert.ok(Math.abs(rows[1]!.dropClosed! - 0.5) < 1e-12);
  // even listed first, an adapted row is not the baseline
  const first = comparisonRows([scores('tent', 0.6, 0.5, { method: 'tent', lr: 1, momentum: 0.9, steps: 1, episodic: false }), scores('base', 0.6, 0.2)]);
  assert.ok(Math.abs(first[0]!.dropClosed! - 0.75) < 1e-12);
  assert.equal(first[1]!.dropClosed, null);
});

test('adapted rows carry the held-out means and are never the baseline of "held-out drop closed"', () => {
  const heldOut = (s: RunScores, mIoU: number): RunScores => ({
    ...s,
    sets: [...s.sets, { name: 'heldout-1', kind: 'held-out', mIoU, pixelAccuracy: 1, perClassIoU: [mIoU] }],
  });
  const adapted = heldOut(scores('base + bn-adapt', 0.6, 0.5, { method: 'bn', prior: 16 }), 0.4);
  const rows = comparisonRows(withAdaptedRows([{ ...heldOut(scores('base', 0.6, 0.2), 0.2), adapted: [adapted] }, heldOut(scores('m', 0.6, 0.4), 0.3)]));
  assert.deepEqual(
    rows.map((r) => [r.run, r.heldOut]),
    [
      ['base', 0.2],
      ['m', 0.3],
      ['base + bn-adapt', 0.4],
    ],
  );
  assert.ok(Math.abs(rows[1]!.heldOutDropClosed! - 0.25) < 1e-12);
  assert.ok(Math.abs(rows[2]!.heldOutDropClosed! - 0.5) < 1e-12);
  assert.equal(rows[0]!.heldOutDropClosed, null);
});

test('pendingEvaluation: an adaptation whose scores lack a style the suite has now is evaluated again', () => {
  const spec = ExperimentEvalSchema.parse({ adapt: ['bn'] });
  const styles = ['default', 'x', 'heldout-1'];
  const withStyles = (s: RunScores, names: string[]): RunScores => ({
    ...s,
    sets: [...s.sets, ...names.map((name) => ({ name, kind: 'held-out' as const, mIoU: 0.1, pixelAccuracy: 1, perClassIoU: [0.1] }))],
  });
  const bn = { method: 'bn' as const, prior: 16 };
  const old = { ...withStyles(scores('r', 0.6, 0.2), ['heldout-1']), adapted: [scores('r + bn-adapt', 0.6, 0.3, bn)] };
  assert.deepEqual(pendingEvaluation(old, spec, [], styles), { suite: false, missingStyles: [], targets: [], adapt: [bn] });
  const done = { ...old, adapted: [withStyles(scores('r + bn-adapt', 0.6, 0.3, bn), ['heldout-1'])] };
  assert.deepEqual(pendingEvaluation(done, spec, [], styles).adapt, []);
});

test('a wrong eval.adapt entry is refused when the file is loaded, naming the field', () =>
  inTempDir((dir) => {
    tinyBase(dir, path.join(dir, 'data'));
    const file = (adapt: unknown[]) =>
      writeYaml(path.join(dir, 'e.yaml'), { base: 'base.yaml', eval: { shiftSuite: false, adapt }, runs: [{ name: 'baseline' }] });
    assert.throws(() => loadExperiment(file(['norm'])), /eval\.adapt\[0\]\.method/);
    assert.throws(() => loadExperiment(file([{ method: 'tent', lr: -1 }])), /eval\.adapt\[0\]\.lr: .*> 0/);
    assert.throws(() => loadExperiment(file(['bn', { method: 'bn', prior: 4 }])), /eval\.adapt: adaptations must differ/);
    const ok = loadExperiment(file(['bn', { method: 'tent', episodic: true }]));
    assert.deepEqual(ok.spec.eval.adapt, [
      { method: 'bn', prior: 16 },
      { method: 'tent', lr: 0.00025, momentum: 0.9, steps: 1, episodic: true },
    ]);
  }));

test('shapeseg experiment with eval.adapt writes an adapted row per method, and a method added later is evaluated alone', () =>
  inTempDir((dir) => {
    const data = path.join(dir, 'data');
    tinyBase(dir, data);
    const experiment = (adapt: unknown[]) =>
      writeYaml(path.join(dir, 'e.yaml'), {
        base: 'base.yaml',
        synth: [{ out: data, layout: 'vkitti1', worlds: ['0001'], frames: 2, height: 32, width: 96, seed: 1 }],
        eval: { outputStrides: [16], shiftSuite: false, adapt },
        runs: [{ name: 'baseline' }],
      });
    const out = path.join(dir, 'out');
    assertOk(shapeseg(dir, 'experiment', experiment(['bn']), '--out', out, '--no-progress'), 'experiment with bn');
    type Cmp = { rows: Array<{ run: string; adaptation: string | null }>; targets: { rows: Array<{ run: string; adaptation: string | null }> } };
    const read = () => JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8')) as Cmp;
    assert.deepEqual(
      read().targets.rows.map((r) => [r.run, r.adaptation]),
      [
        ['baseline', null],
        ['baseline + bn-adapt', 'bn-adapt'],
      ],
    );
    assert.match(fs.readFileSync(path.join(out, 'comparison.md'), 'utf8'), /\| baseline \+ bn-adapt \| 16 \|[\s\S]*adapt at test time/);
    assert.match(fs.readFileSync(path.join(out, 'comparison.html'), 'utf8'), /baseline \+ bn-adapt[\s\S]*adapt at test time/);
    return readEvalResult(path.join(out, 'baseline', 'eval-os16', 'adapt-bn-adapt', 'targets', 'val.json')).then((file) => {
      assert.deepEqual(file.adaptation, { method: 'bn', prior: 16, images: file.data.count, data: file.data.spec, batch: 1 });
      const again = shapeseg(dir, 'experiment', experiment(['bn', { method: 'tent', episodic: true }]), '--out', out, '--no-progress');
      assertOk(again, 'experiment with tent added');
      assert.match(again.stderr, /evaluating with tent-episodic \(not in its scores yet\)/);
      assert.doesNotMatch(again.stderr, /training |evaluating val/);
      assert.deepEqual(
        read().targets.rows.map((r) => r.run),
        ['baseline', 'baseline + bn-adapt', 'baseline + tent-episodic'],
      );
    });
  }));
