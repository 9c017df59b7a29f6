import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PolySchedule } from '../../src/optim/schedule.js';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), msg ?? `${a} != ${b}`);

test('poly decay over one phase matches lr·(1 − t/T)^0.9', () => {
  const s = new PolySchedule({ lr: 0.01, power: 0.9, phases: [{ steps: 100 }] });
  close(s.lrAt(0), 0.01);
  close(s.lrAt(50), 0.01 * 0.5 ** 0.9);
  close(s.lrAt(99), 0.01 * 0.01 ** 0.9);
  assert.equal(s.lrAt(100), 0);
});

test('continue: one decay across phases; restart: per phase with phase lr', () => {
  const phases = [{ steps: 10 }, { steps: 30, lr: 0.001 }];
  const c = new PolySchedule({ lr: 0.01, power: 1, acrossPhases: 'continue', phases });
  assert.equal(c.totalSteps, 40);
  close(c.lrAt(5), 0.01 * (1 - 5 / 40));
  close(c.lrAt(20), 0.001 * (1 - 20 / 40));
  const r = new PolySchedule({ lr: 0.01, power: 1, acrossPhases: 'restart', phases });
  close(r.lrAt(5), 0.01 * (1 - 5 / 10));
  close(r.lrAt(10), 0.001);
  close(r.lrAt(25), 0.001 * (1 - 15 / 30));
  assert.deepEqual(r.phaseAt(10), { index: 1, start: 10, end: 40 });
  assert.deepEqual(r.phaseAt(9), { index: 0, start: 0, end: 10 });
});

test('linear warmup then poly over the remaining steps (torchvision reference)', () => {
  const s = new PolySchedule({ lr: 0.1, power: 0.9, warmupSteps: 4, warmupFactor: 0.01, phases: [{ steps: 24 }] });
  close(s.lrAt(0), 0.1 * 0.01);
  close(s.lrAt(2), 0.1 * (0.01 + 0.99 * 0.5));
  close(s.lrAt(4), 0.1);
  close(s.lrAt(14), 0.1 * (1 - 10 / 20) ** 0.9);
  // restart mode warms up only in the first phase
  const r = new PolySchedule({ lr: 0.1, power: 1, warmupSteps: 2, acrossPhases: 'restart', phases: [{ steps: 4 }, { steps: 4 }] });
  close(r.lrAt(4), 0.1);
  assert.throws(() => new PolySchedule({ lr: 0.1, power: 1, warmupSteps: 4, phases: [{ steps: 4 }] }), /warmupSteps/);
});
