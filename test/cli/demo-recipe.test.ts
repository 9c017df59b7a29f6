// `shapeseg demo --recipe`: a recipe is a run of a packaged experiment file, so the demo and the documented
// comparison cannot drift apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recipeOverride } from '../../src/cli/demo.js';

test('the shape-bias recipe is the randconv-small-kernels-palette-half-split-bn run of configs/experiments/shape-bias.yaml', () => {
  assert.equal(recipeOverride('baseline'), null);
  const r = recipeOverride('shape-bias');
  assert.equal(r?.run, 'randconv-small-kernels-palette-half-split-bn');
  assert.deepEqual(Object.keys(r?.override ?? {}), ['augment']);
});

test('an unknown recipe is refused naming the choices', () => {
  assert.throws(() => recipeOverride('fast'), /--recipe: expected baseline or shape-bias, got "fast"/);
});
