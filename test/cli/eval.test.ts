import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { figurePathFor } from '../../src/cli/eval.js';

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
