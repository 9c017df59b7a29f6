import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runShapeseg } from '../e2e/cli.js';
import { writeTinyKitti } from '../train/fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const shapeseg = (...args: string[]) => runShapeseg(args, { cwd: tmp, timeoutMs: 120_000 });

test('info prints libtorch, addon and devices', () => {
  const r = shapeseg('info');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^libtorch {2}\S+ \(.+\)$/m);
  assert.match(r.stdout, /^addon {5}.*shapeseg\.node/m);
  assert.match(r.stdout, /^devices {3}cpu/m);
});

test('errors print the message only (exit 1); --verbose adds the stack', () => {
  const file = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(file, 'data: {train: {layout: kitti, root: x}}\ntrain:\n  phases:\n    - {steps: 1}\n    - {steps: 1, outputStride: 12}\n');
  const r = shapeseg('train', file);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `shapeseg: train.phases[1].outputStride: expected 8 or 16, got 12 (in ${file})\n`);
  const v = shapeseg('train', file, '--verbose');
  assert.equal(v.status, 1);
  assert.match(v.stderr, /^ConfigError: train\.phases\[1\]\.outputStride/);
  assert.match(v.stderr, /\n {4}at /);
});

test('train runs a config into runs/<name>, and --resume of a finished run is a no-op', async () => {
  await writeTinyKitti(path.join(tmp, 'kitti'), 2);
  const data = { layout: 'kitti', root: 'kitti', labelSpace: 'vkitti-kitti' };
  fs.writeFileSync(
    path.join(tmp, 'cli-tiny.json'),
    JSON.stringify({
      model: { name: 'deeplabv3_resnet18' },
      data: { train: data },
      transforms: { crop: 24, scale: [1, 1] },
      train: { batchSize: 2, threads: 1, phases: [{ steps: 2 }], checkpointEvery: 1, logEvery: 1 },
    }),
  );
  const r = shapeseg('train', 'cli-tiny.json', '--device', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /trained 2 steps in runs\/cli-tiny/);
  assert.ok(fs.existsSync(path.join(tmp, 'runs', 'cli-tiny', 'checkpoints', 'step-00000002.safetensors')));
  const again = shapeseg('train', 'cli-tiny.json');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already holds checkpoints of a run; pass --resume/);
  const resumed = shapeseg('train', 'cli-tiny.json', '--resume');
  assert.equal(resumed.status, 0, resumed.stderr);
});
