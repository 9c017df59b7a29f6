// `shapeseg demo --recipe`: a recipe is a run of a packaged experiment file, so the demo and the documented
// comparison cannot drift apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fineClassSummary, recipeOverride, shiftSummary } from '../../src/cli/demo.js';
import { comparisonRows } from '../../src/experiment/scores.js';
import { run } from '../experiment/scores-fixtures.js';

test('the shape-bias recipe is the debias-half-aux-bn run of configs/experiments/shape-bias.yaml', () => {
  assert.equal(recipeOverride('baseline'), null);
  const r = recipeOverride('shape-bias');
  assert.equal(r?.run, 'debias-half-aux-bn');
  assert.deepEqual(Object.keys(r?.override ?? {}), ['augment']);
});

test('an unknown recipe is refused naming the choices', () => {
  assert.throws(() => recipeOverride('fast'), /--recipe: expected baseline or shape-bias or fine-structures, got "fast"/);
});

test('the shape-bias recipe prints the held-out and unseen means beside the selection mean', () => {
  const row = comparisonRows([run('demo', 0.6, [0.3], [0.2], [0.1, 0.15])])[0]!;
  assert.equal(
    shiftSummary(row, { selection: 1, heldOut: 1, unseen: 2 }),
    'texture-shift suite: in-style mIoU 60.0%, selection styles 30.0% (mean of 1), held-out styles 20.0% (mean of 1), unseen styles 12.5% (mean of 2), shape-bias score 50.0%',
  );
});

test('the fine-structures recipe is the separable DeepLabV3+ at 1.2x the steps of configs/experiments/fine-structures.yaml, scored without the suite', () => {
  const r = recipeOverride('fine-structures');
  assert.equal(r?.run, 'deeplabv3plus-separable-1.2x-steps');
  assert.deepEqual(r?.override.model, { name: 'deeplabv3plus_resnet18', separableConv: true });
  assert.equal(r?.suite, false);
  assert.equal(recipeOverride('shape-bias')?.suite, true);
});

test('every demo prints the fine classes the notebook worries about', () => {
  assert.equal(
    fineClassSummary({ road: 0.9, pole: 0.1234, 'traffic light': null, 'traffic sign': 0.5 }),
    'fine classes: pole 12.3%, traffic light n/a, traffic sign 50.0%',
  );
  assert.equal(fineClassSummary({ road: 0.9 }), '');
});
