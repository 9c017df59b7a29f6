// Held-out test styles in the experiment's scores: the held-out mean and its drop closed beside the selection
// ones, scores files from before the held-out styles still read, and which runs had the baseline's compute.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markEqualCompute, trainingCompute } from '../../src/experiment/compute.js';
import { ExperimentEvalSchema } from '../../src/experiment/schema.js';
import { comparisonMarkdown, comparisonRows, parseRunScores } from '../../src/experiment/scores.js';
import { pendingEvaluation } from '../../src/experiment/targets.js';
import { run } from './scores-fixtures.js';

const near = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('comparisonRows: held-out mean, drop and drop closed beside the selection ones', () => {
  const rows = comparisonRows([run('base', 0.6, [0.2, 0.2], [0.1, 0.2, 0.3]), run('m', 0.5, [0.3, 0.4], [0.3, 0.35, 0.4])]);
  near(rows[0]!.heldOut, 0.2);
  near(rows[0]!.heldOutDrop, 0.4);
  assert.equal(rows[0]!.heldOutDropClosed, null, 'the baseline closes nothing of its own drop');
  near(rows[1]!.shifted, 0.35);
  near(rows[1]!.dropClosed, 1 - 0.15 / 0.4);
  near(rows[1]!.heldOut, 0.35);
  near(rows[1]!.heldOutDrop, 0.15);
  // 1 − (inStyle − heldOut) / (baseline's inStyle − heldOut) = 1 − 0.15 / 0.4
  near(rows[1]!.heldOutDropClosed, 0.625);
  const md = comparisonMarkdown(rows, ['a']);
  assert.match(
    md,
    /\| run \| OS \| in-style mIoU \| selection mIoU \(mean\) \| selection drop \| selection drop closed \| held-out mIoU \(mean\) \| held-out drop \| held-out drop closed \|/,
  );
  assert.match(md, /\| m \| 8 \| 50\.0 \| 35\.0 \| 15\.0 \| 62\.5 \| 35\.0 \| 15\.0 \| 62\.5 \|/);
});

test('comparisonRows: the unseen mean and its drop closed beside the held-out ones; absent before they existed', () => {
  const rows = comparisonRows([run('base', 0.6, [0.2], [0.2], [0.1, 0.3]), run('m', 0.5, [0.3], [0.3], [0.3, 0.4]), run('old', 0.5, [0.3], [0.3])]);
  near(rows[0]!.unseen, 0.2);
  near(rows[1]!.unseenDrop, 0.15);
  near(rows[1]!.unseenDropClosed, 1 - 0.15 / 0.4);
  assert.equal(rows[2]!.unseen, null);
  assert.equal(rows[2]!.unseenDropClosed, null);
  const md = comparisonMarkdown(rows, ['a']);
  assert.match(md, /held-out drop closed \| unseen mIoU \(mean\) \| unseen drop closed \| texture-free \|/);
  assert.match(md, /\| m \| 8 \| 50\.0 \| 30\.0 \| 20\.0 \| 50\.0 \| 30\.0 \| 20\.0 \| 50\.0 \| 35\.0 \| 62\.5 \|/);
  assert.match(md, /\| old \| 8 \|( [\d.]+ \|){7} – \| – \|/);
  assert.match(md, /Unseen styles: the same with other families and colours/);
});

test('a scores file written before the held-out styles parses; its held-out columns are empty', () => {
  const old = run('old', 0.6, [0.2], []);
  const parsed = parseRunScores(JSON.stringify(old), 'scores-os8.json');
  const [row] = comparisonRows([parsed]);
  assert.equal(row!.heldOut, null);
  assert.equal(row!.heldOutDrop, null);
  assert.match(comparisonMarkdown([row!], ['a']), /\| old \| 8 \| 60\.0 \| 20\.0 \| 40\.0 \| – \| – \| – \| – \|/);
  assert.throws(() => parseRunScores(JSON.stringify({ ...old, sets: [{ ...old.sets[0], kind: 'heldout' }] }), 'x.json'), /x\.json: sets\.0\.kind: /);
});

test('pendingEvaluation: the suite again when the scores lack a style the suite has now', () => {
  const spec = ExperimentEvalSchema.parse({});
  const styles = ['default', 'shifted-0', 'heldout-1', 'heldout-2'];
  const old = run('r', 0.6, [0.2], []);
  assert.deepEqual(pendingEvaluation(old, spec, [], styles), { suite: true, missingStyles: ['heldout-1', 'heldout-2'], targets: [], adapt: [] });
  assert.equal(pendingEvaluation(run('r', 0.6, [0.2], [0.1, 0.1]), spec, [], styles).suite, false);
  assert.equal(pendingEvaluation(null, spec, [], styles).suite, true);
  assert.equal(pendingEvaluation(old, ExperimentEvalSchema.parse({ shiftSuite: false }), [], styles).suite, false);
});

test('training compute: steps × batch × accumulate, doubled forward passes with consistency; equal compute against the first run', () => {
  const cfg = (over: Record<string, unknown> = {}, train: Record<string, unknown> = {}) => ({
    train: {
      batchSize: 8,
      phases: [
        { steps: 900, augment: true },
        { steps: 150, augment: false },
      ],
      ...train,
    },
    augment: { fraction: 1, ...over },
  });
  const list = markEqualCompute([
    trainingCompute('base', cfg(), 'base.json'),
    trainingCompute('method', cfg({ randConv: {} }), 'm.json'),
    trainingCompute('consistency', cfg({ consistency: { weight: 1 } }), 'c.json'),
    trainingCompute('longer', cfg({}, { phases: [{ steps: 2100 }] }), 'l.json'),
    trainingCompute('accumulate', cfg({}, { batchSize: 4, accumulate: 2 }), 'a.json'),
  ]);
  assert.deepEqual(
    list.map((c) => [c.run, c.images, c.forwardImages, c.equalCompute]),
    [
      ['base', 8400, 8400, true],
      ['method', 8400, 8400, true],
      ['consistency', 8400, 900 * 16 + 150 * 8, false], // the clean tail has no second view
      ['longer', 16800, 16800, false],
      ['accumulate', 8400, 8400, true],
    ],
  );
  assert.throws(() => trainingCompute('x', { train: { phases: [] } }, 'runs/x/config.json'), /runs\/x\/config\.json: train\.batchSize: .*run x/);
});
