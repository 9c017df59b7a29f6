import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type AdaptFlags, adaptFromFlags } from '../../src/cli/adapt-flags.js';
import { evalName, figurePathFor } from '../../src/cli/eval.js';
import { runShapeseg } from '../e2e/cli.js';

describe('eval --figures naming', () => {
  const run = path.resolve('runs', 'a');

  it('results in <run>/eval/ put their figure, named after them, in <run>/figures/ (where report looks)', () => {
    assert.equal(figurePathFor(path.join(run, 'eval', 'kitti-os8.json'), run), path.join(run, 'figures', 'kitti-os8.png'));
    assert.equal(figurePathFor(path.join(run, 'eval', 'kitti-2011.json'), run), path.join(run, 'figures', 'kitti-2011.png'));
  });

  it('results elsewhere (-o) get their figure beside them, so two datasets of one layout never share a figure', () => {
    const a = figurePathFor('/data/x/kitti-os8.json', run);
    const b = figurePathFor('/data/y/kitti-os8.json', run);
    assert.equal(a, '/data/x/kitti-os8.png');
    assert.equal(b, '/data/y/kitti-os8.png');
    assert.equal(figurePathFor(path.join(run, 'other', 'r.json'), run), path.join(run, 'other', 'r.png'));
    assert.equal(figurePathFor('out.json', null), path.resolve('out.png'));
  });
});

describe('eval / shift-eval --adapt flags', () => {
  it('parse into validated settings with defaults, null without --adapt', () => {
    assert.equal(adaptFromFlags({}), null);
    assert.deepEqual(adaptFromFlags({ adapt: 'bn' }), { method: 'bn', prior: 16 });
    assert.deepEqual(adaptFromFlags({ adapt: 'bn', adaptPrior: '0' }), { method: 'bn', prior: 0 });
    assert.deepEqual(adaptFromFlags({ adapt: 'tent', adaptLr: '1e-3', adaptSteps: '2', adaptEpisodic: true }), {
      method: 'tent',
      lr: 0.001,
      momentum: 0.9,
      steps: 2,
      episodic: true,
    });
  });

  it('refuse a bad value or a setting of another method, naming the flag', () => {
    const cases: Array<[AdaptFlags, RegExp]> = [
      [{ adapt: 'norm' }, /^Error: --adapt: expected bn or tent, got "norm"/],
      [{ adapt: 'bn', adaptPrior: '-1' }, /^Error: --adapt-prior -1: expected a number >= 0/],
      [{ adapt: 'bn', adaptPrior: 'many' }, /^Error: --adapt-prior: expected a number, got "many"/],
      [{ adapt: 'tent', adaptLr: '0' }, /^Error: --adapt-lr 0: expected a learning rate > 0/],
      [{ adapt: 'tent', adaptSteps: '1.5' }, /^Error: --adapt-steps 1.5: /],
      [{ adapt: 'tent', adaptSteps: '0' }, /^Error: --adapt-steps 0: expected an integer >= 1/],
      [{ adapt: 'bn', adaptLr: '0.1' }, /^Error: --adapt-lr is a setting of --adapt tent, not of --adapt bn/],
      [{ adapt: 'tent', adaptPrior: '4' }, /^Error: --adapt-prior is a setting of --adapt bn, not of --adapt tent/],
      [{ adaptEpisodic: true }, /^Error: --adapt-episodic needs --adapt tent/],
    ];
    for (const [flags, re] of cases) assert.throws(() => adaptFromFlags(flags), re, JSON.stringify(flags));
  });

  it('adapted results get their own default name', () => {
    assert.equal(evalName('kitti', 8, [1], false, { method: 'bn', prior: 16 }), 'kitti-os8-bn-adapt');
    assert.equal(evalName('kitti', 8, [1], false, { method: 'tent', lr: 1, momentum: 0.9, steps: 1, episodic: true }), 'kitti-os8-tent-episodic');
    assert.equal(evalName('kitti', 8, [1], false), 'kitti-os8');
    assert.equal(evalName('kitti', 8, [1], false, null, 'aux'), 'kitti-os8-aux-bn');
    assert.equal(evalName('kitti', 16, [1], true, { method: 'bn', prior: 16 }, 'aux'), 'kitti-os16-flip-aux-bn-bn-adapt');
  });

  it('shapeseg eval refuses a bad --adapt before loading anything', () => {
    const r = runShapeseg(['eval', '--checkpoint', 'missing.safetensors', '--adapt', 'norm']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--adapt: expected bn or tent, got "norm"/);
  });
});
