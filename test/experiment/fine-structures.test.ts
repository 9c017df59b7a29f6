// Issue 19's levers in one tiny experiment, as configs/experiments/fine-structures.yaml uses them: DeepLabV3+ (with
// separable convs), class-weighted cross-entropy with OHEM and Lovász-softmax, and inference at another scale; every
// run scored on its validation set with per-class IoU, Boundary IoU and the trimap band.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { assertOk, shapeseg, writeYaml } from '../e2e/cli.js';
import { inTempDir, tinyBase } from './tiny.js';

test('a tiny fine-structures experiment writes per-class IoU, Boundary IoU and trimap tables for every run', () =>
  inTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    tinyBase(dir, data);
    const file = writeYaml(path.join(dir, 'fine.yaml'), {
      base: 'base.yaml',
      synth: [{ out: data, layout: 'vkitti1', worlds: ['0001'], frames: 2, height: 32, width: 96, seed: 1 }],
      eval: { outputStrides: [16], shiftSuite: false, trimapBand: 0.05 },
      runs: [
        { name: 'v3plus', override: { model: { name: 'deeplabv3plus_resnet18', separableConv: true } } },
        // the three losses at once (each alone: test/train/loss-options.test.ts)
        { name: 'losses', override: { train: { loss: { classWeights: 'median-frequency', maxWeight: 10, ohem: { thresh: 0.7, minKept: 100 }, lovasz: 1 } } } },
        { name: 'upscale', override: { transforms: { scale: [1.5, 1.5] }, eval: { scales: [1.5] } } },
      ],
    });
    const out = path.join(dir, 'out');
    assertOk(shapeseg(dir, 'experiment', file, '--out', out, '--no-progress'), 'experiment');
    const md = fs.readFileSync(path.join(out, 'comparison.md'), 'utf8');
    const runs = ['v3plus', 'losses', 'upscale'];
    for (const title of ['IoU per class on val', 'Boundary IoU per class on val, band 0.02', 'Trimap-band IoU per class on val, band 0.05']) {
      const table = md.slice(md.indexOf(title));
      assert.match(table, /\| run \| OS \| road \| building \| pole \| traffic light \| traffic sign \|/, title);
      for (const run of runs) assert.match(table, new RegExp(`\\| ${run} \\| 16 \\| `), `${title}: ${run}`);
    }
    assert.ok(fs.existsSync(path.join(out, 'losses', 'class-weights.json')), 'the class weights are recorded in the run');
    const upscale = JSON.parse(fs.readFileSync(path.join(out, 'upscale', 'eval-os16', 'targets', 'val.json'), 'utf8')) as { scales: number[] };
    assert.deepEqual(upscale.scales, [1.5], "evaluated at the run's own eval.scales");
  }));
