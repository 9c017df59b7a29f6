// Every packaged experiment file validates: its runs over the base config and its targets in each run's label space.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadExperiment } from '../../src/experiment/load.js';
import { CONFIGS } from '../e2e/cli.js';

test('configs/experiments/*.yaml load, and shape-bias-targets.yaml scores its runs on two targets and the suite', () => {
  const dir = path.join(CONFIGS, 'experiments');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('shape-bias.yaml'));
  for (const f of files) assert.ok(loadExperiment(path.join(dir, f)).runs.length > 0, f);
  const e = loadExperiment(path.join(dir, 'shape-bias-targets.yaml'));
  assert.equal(e.spec.eval.shiftSuite, true);
  assert.deepEqual(
    e.runs[0]!.targets.map((t) => [t.name, t.data.layout, t.data.labelSpace]),
    [
      ['kitti', 'kitti', 'vkitti-kitti'],
      ['vkitti-fog-rain', 'vkitti1', 'vkitti-kitti'],
    ],
  );
  // shape-bias.yaml as before: the suite, no targets
  const sb = loadExperiment(path.join(dir, 'shape-bias.yaml'));
  assert.equal(sb.spec.eval.shiftSuite, true);
  assert.ok(sb.runs.every((r) => r.targets.length === 0));
});
