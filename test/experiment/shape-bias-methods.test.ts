// Issue 18's levers in one tiny experiment, as configs/experiments/shape-bias.yaml and shape-bias-pretrained.yaml
// use them: debiased training (augment.debias), debiased training and region repainting (augment.repaint) with
// auxiliary BatchNorm (two rows each: the main and the auxiliary BatchNorm), and a backbone from `shapeseg pretrain`; each run scored on a tiny texture-shift suite
// (selection, held-out and unseen styles) with the comparison and the trade-off chart written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { generateSuite } from '../../src/synth/suite.js';
import { assertOk, shapeseg, writeYaml } from '../e2e/cli.js';
import { inTempDir, tinyBase } from './tiny.js';

test('a tiny experiment with debias, debias + auxiliary BatchNorm, region repainting + auxiliary BatchNorm and a fractal-pretrained backbone writes every row', () =>
  inTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    tinyBase(dir, data);
    const suite = path.join(dir, 'suite');
    await generateSuite({ out: suite, frames: 1, height: 32, width: 96 });
    const pre = ['--categories', '3', '--instances', '4', '--size', '32', '--steps', '2', '--batch', '4', '--threads', '1', '--no-progress'];
    assertOk(shapeseg(dir, 'pretrain', '--out', 'fractal', ...pre), 'pretrain');
    const debias = { debias: { gamma: 0.8 }, fraction: 0.5 };
    const file = writeYaml(path.join(dir, 'methods.yaml'), {
      base: 'base.yaml',
      synth: [{ out: data, layout: 'vkitti1', worlds: ['0001'], frames: 3, height: 32, width: 96, seed: 1 }],
      eval: { outputStrides: [16], shiftSuite: true, suite, figures: 0 },
      runs: [
        { name: 'baseline' },
        { name: 'debias', override: { augment: debias } },
        { name: 'debias-aux-bn', override: { augment: { ...debias, auxBatchNorm: true } } },
        { name: 'repaint-aux-bn', override: { augment: { repaint: {}, fraction: 0.5, auxBatchNorm: true } } },
        { name: 'fractal', override: { model: { pretrainedBackbone: path.join(dir, 'fractal', 'backbone.pth') } } },
      ],
    });
    const out = path.join(dir, 'out');
    assertOk(shapeseg(dir, 'experiment', file, '--out', out, '--no-progress'), 'experiment');
    const md = fs.readFileSync(path.join(out, 'comparison.md'), 'utf8');
    for (const row of ['baseline', 'debias', 'debias-aux-bn', 'debias-aux-bn \\[aux BN\\]', 'repaint-aux-bn', 'repaint-aux-bn \\[aux BN\\]', 'fractal'])
      assert.match(md, new RegExp(`\\| ${row} \\| 16 \\| [\\d.]+ \\|`), row);
    const svg = fs.readFileSync(path.join(out, 'tradeoff.svg'), 'utf8');
    // panels: held-out, unseen, selection
    assert.equal(svg.match(/class="marker"/g)?.length, 3 * 7, 'one marker per row in each panel');
  }));
