// `shapeseg demo --recipe`: a recipe is a run of a packaged experiment file, so the demo and the documented
// comparison cannot drift apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recipeOverride, shiftSummary } from '../../src/cli/demo.js';
import { comparisonRows } from '../../src/experiment/scores.js';

test('the shape-bias recipe is the randconv-small-kernels-palette-half-split-bn run of configs/experiments/shape-bias.yaml', () => {
  assert.equal(recipeOverride('baseline'), null);
  const r = recipeOverride('shape-bias');
  assert.equal(r?.run, 'randconv-small-kernels-palette-half-split-bn');
  assert.deepEqual(Object.keys(r?.override ?? {}), ['augment']);
});

test('an unknown recipe is refused naming the choices', () => {
  assert.throws(() => recipeOverride('fast'), /--recipe: expected baseline or shape-bias, got "fast"/);
});

test('the shape-bias recipe prints the held-out mean beside the selection mean', () => {
  const row = comparisonRows([
    {
      run: 'demo',
      outputStride: 8,
      checkpoint: '',
      classNames: ['a'],
      shapeBias: 0.5,
      shapeBiasPerClass: [0.5],
      sets: [
        { name: 'default', kind: 'in-style', mIoU: 0.6, pixelAccuracy: 1, perClassIoU: [0.6] },
        { name: 'shifted', kind: 'shifted', mIoU: 0.3, pixelAccuracy: 1, perClassIoU: [0.3] },
        { name: 'heldout-1', kind: 'held-out', mIoU: 0.2, pixelAccuracy: 1, perClassIoU: [0.2] },
      ],
    },
  ])[0]!;
  assert.equal(
    shiftSummary(row, { selection: 1, heldOut: 1 }),
    'texture-shift suite: in-style mIoU 60.0%, selection styles 30.0% (mean of 1), held-out styles 20.0% (mean of 1), shape-bias score 50.0%',
  );
});
