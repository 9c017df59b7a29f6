// End to end through the built CLI: `shapeseg synth --suite` then `shapeseg shift-eval` with a fresh tiny model.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readShiftEval } from '../../src/eval/shift-eval.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { SUITE_STYLES } from '../../src/synth/suite.js';
import { manualSeed } from '../../src/tensor/index.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { runShapeseg } from '../e2e/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const suite = path.join(dir, 'suite');
const run = path.join(dir, 'runs', 'tiny');
const ckpt = path.join(run, 'checkpoints', 'step-00000001.safetensors');

const cli = (...args: string[]) => runShapeseg(args, { cwd: dir, timeoutMs: 300_000 });

before(async () => {
  manualSeed(0);
  const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 10, outputStride: 16 });
  const config = {
    name: 'tiny',
    model: { name: 'deeplabv3_resnet18', numClasses: 10 },
    data: { train: { layout: 'kitti', root: suite, labelSpace: 'vkitti-kitti' }, val: { layout: 'kitti', root: suite, labelSpace: 'vkitti-kitti' } },
    train: { phases: [{ steps: 1, outputStride: 16 }] },
  };
  await saveCheckpoint(ckpt, model.stateDict(), new Map(), {
    step: 1,
    phase: 0,
    rngState: new Uint8Array(4),
    loaderState: null,
    configHash: 'x',
    bestMIoU: null,
    config,
  });
  model.dispose();
});

describe('shapeseg shift-eval', () => {
  it('evaluates every suite style, writes shift-eval.json with drops, band metrics, shape bias and figures', () => {
    const s = cli('synth', '--suite', '--out', suite, '--frames', '2', '--size', '64x192', '--no-progress');
    assert.equal(s.status, 0, s.stderr);
    const r = cli('shift-eval', '--checkpoint', ckpt, '--suite', suite, '--device', 'cpu', '--boundary', '--trimap', '0.05', '--figures', '1', '--no-progress');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /shape-bias score/);
    assert.match(r.stdout, /texture-free/);
    assert.match(r.stdout, /^selection mean: [\d.]+ % mIoU over 4 styles$/m);
    assert.match(r.stdout, /^held-out mean: [\d.]+ % mIoU over 3 styles$/m);
    assert.match(r.stdout, /^unseen mean: [\d.]+ % mIoU over 3 styles$/m);
    const outDir = path.join(run, 'shift-eval');
    const f = readShiftEval(path.join(outDir, 'shift-eval.json'));
    assert.deepEqual(
      f.styles.map((x) => x.name),
      SUITE_STYLES.map((x) => x.name),
    );
    const train = f.styles.find((x) => x.name === f.trainingStyle)!;
    assert.equal(train.drop.mIoU, 0);
    for (const st of f.styles) {
      assert.equal(st.result.data.count, 2, st.name);
      assert.equal(st.result.boundary?.ratio, 0.02, st.name);
      assert.equal(st.result.trimap?.ratio, 0.05, st.name);
      assert.ok(st.figure && fs.existsSync(path.join(outDir, st.figure)), `${st.name} figure`);
      // identical label maps: every style counts the same ground-truth pixels
      assert.deepEqual(st.result.gtPixelShare, train.result.gtPixelShare, st.name);
    }
    assert.ok(f.shapeBias);
    const o = f.shapeBias.overall;
    assert.ok(o.shape + o.texture + o.other > 0, 'cue-conflict pixels counted');
    const sum = Object.values(f.shapeBias.perClass).reduce((a, c) => a + c.shape + c.texture + c.other, 0);
    assert.equal(sum, o.shape + o.texture + o.other);
  });

  it('--adapt tent adapts on each style apart, writes beside the source-only results and records the settings', () => {
    const r = cli(
      'shift-eval',
      '--checkpoint',
      ckpt,
      '--suite',
      suite,
      '--device',
      'cpu',
      '--limit',
      '1',
      '--figures',
      '0',
      '--adapt',
      'tent',
      '--adapt-lr',
      '0.001',
      '--adapt-episodic',
      '--no-progress',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /test-time adaptation .* reported apart/);
    const f = readShiftEval(path.join(run, 'shift-eval-tent-episodic', 'shift-eval.json'));
    const settings = { method: 'tent', lr: 0.001, momentum: 0.9, steps: 1, episodic: true };
    assert.deepEqual(f.adaptation, settings);
    for (const st of f.styles) assert.deepEqual(st.result.adaptation, { ...settings, images: 1, data: st.result.data.spec, batch: 1 }, st.name);
    // the source-only results of the first test are still there, unadapted
    assert.equal(readShiftEval(path.join(run, 'shift-eval', 'shift-eval.json')).adaptation, null);
  });

  it('builds the default suite into the cache folder when --suite is missing', () => {
    const r = cli(
      'shift-eval',
      '--checkpoint',
      ckpt,
      '--cache',
      'cache',
      '--frames',
      '1',
      '--size',
      '48x96',
      '--device',
      'cpu',
      '--figures',
      '0',
      '--out',
      'out',
      '--no-progress',
    );
    assert.equal(r.status, 0, r.stderr);
    const suiteDir = path.join(dir, 'cache', 'kitti-0020-seed2-1f-48x96');
    assert.ok(fs.existsSync(path.join(suiteDir, 'suite.json')));
    const f = readShiftEval(path.join(dir, 'out', 'shift-eval.json'));
    assert.equal(f.suite.dir, suiteDir);
    assert.equal(f.suite.seed, 2, "the demo's held-out seed");
    assert.ok(f.styles.every((x) => x.figure === null && x.result.data.count === 1));
  });
});
