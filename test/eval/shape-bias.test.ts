// The pixel-level shape-bias score on hand-made maps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeBias } from '../../src/eval/shape-bias.js';

test('counts shape, texture and other decisions per shape class; skips ignore and shape==texture pixels', () => {
  const b = new ShapeBias(3);
  b.update([0, 0, 1, 1, 2, 255], [1, 1, 0, 0, 2, 1], [0, 1, 1, 2, 2, 0]);
  const r = b.result();
  assert.deepEqual(r.perClass[0], { shape: 1, texture: 1, other: 0, score: 0.5 });
  assert.deepEqual(r.perClass[1], { shape: 1, texture: 0, other: 1, score: 1 });
  assert.equal(r.perClass[2]!.shape + r.perClass[2]!.texture + r.perClass[2]!.other, 0);
  assert.ok(Number.isNaN(r.perClass[2]!.score));
  assert.deepEqual(r.overall, { shape: 2, texture: 1, other: 1, score: 2 / 3 });
});

test('accumulates over images; a texture-only model scores 0, a shape-only model 1', () => {
  const shape = [0, 1, 2, 0];
  const texture = [2, 0, 1, 1];
  const byTexture = new ShapeBias(3);
  const byShape = new ShapeBias(3);
  for (let k = 0; k < 2; k++) {
    byTexture.update(shape, texture, texture);
    byShape.update(shape, texture, shape);
  }
  assert.equal(byTexture.result().overall.score, 0);
  assert.equal(byTexture.result().overall.texture, 8);
  assert.equal(byShape.result().overall.score, 1);
});

test('rejects maps of different sizes', () => {
  assert.throws(() => new ShapeBias(2).update([0], [1, 1], [0]), /1 shape, 2 texture/);
});
