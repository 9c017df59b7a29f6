// The bench's per-round ratio: median of paired-round ratios, their range, and the "within noise" verdict.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundRatio } from '../../bench/stats.js';

test('roundRatio pairs rounds, takes medians within each, and calls a range straddling 1 noise', () => {
  // 10% slower in every round, despite the machine getting busier from round to round
  const ref = [
    [100, 102, 98],
    [150, 151, 149],
    [200, 199, 201],
  ];
  const slow = ref.map((xs) => xs.map((x) => 1.1 * x));
  const r = roundRatio(slow, ref)!;
  assert.equal(r.rounds, 3);
  assert.ok(Math.abs(r.median - 1.1) < 1e-9 && Math.abs(r.min - 1.1) < 1e-9 && Math.abs(r.max - 1.1) < 1e-9);
  assert.equal(r.withinNoise, false);
  const mixed = roundRatio([[95], [104], [101]], [[100], [100], [100]])!;
  assert.equal(mixed.median, 1.01);
  assert.equal(mixed.withinNoise, true);
  assert.equal(roundRatio([[90]], [[100]])!.withinNoise, true, 'fewer than 3 rounds cannot tell');
  assert.equal(roundRatio([], []), null);
});
