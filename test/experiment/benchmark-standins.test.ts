// The benchmark protocols in miniature (configs/benchmarks/standins.yaml at a tiny budget): a run trained on the
// GTA5 stand-in, scored on the Cityscapes (val) and KITTI stand-ins, writes the per-target comparison; and every
// packaged benchmark file (configs/benchmarks/) loads as written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { assertOk, CONFIGS, shapeseg, writeYaml } from '../e2e/cli.js';
import { inTempDir } from './tiny.js';

const BENCHMARKS = path.join(CONFIGS, 'benchmarks');

test('configs/benchmarks: every experiment and run config loads, with the protocols’ layouts and label spaces', () => {
  const files = fs.readdirSync(BENCHMARKS).filter((f) => f.endsWith('.yaml'));
  const experiments = files.filter((f) => /^\s*runs:/m.test(fs.readFileSync(path.join(BENCHMARKS, f), 'utf8')));
  assert.deepEqual(experiments.sort(), ['gta5-dg.yaml', 'standins.yaml', 'synthia-dg.yaml', 'vkitti-kitti.yaml']);
  for (const f of files.filter((x) => !experiments.includes(x))) assert.ok(loadConfig(path.join(BENCHMARKS, f)).name, f);
  const targets = (f: string) => loadExperiment(path.join(BENCHMARKS, f)).runs[0]!.targets.map((t) => [t.name, t.data.layout, t.data.labelSpace]);
  assert.deepEqual(targets('gta5-dg.yaml'), [
    ['cityscapes', 'cityscapes', 'cityscapes19'],
    ['bdd100k', 'bdd100k', 'cityscapes19'],
    ['mapillary', 'mapillary', 'cityscapes19'],
  ]);
  assert.deepEqual(targets('synthia-dg.yaml'), [['cityscapes', 'cityscapes', 'synthia16']]);
  assert.deepEqual(loadExperiment(path.join(BENCHMARKS, 'synthia-dg.yaml')).runs[0]!.config.data.train.layout, 'synthia');
  assert.deepEqual(targets('vkitti-kitti.yaml'), [['kitti', 'kitti', 'vkitti-kitti']]);
  assert.deepEqual(targets('standins.yaml'), [
    ['cityscapes', 'cityscapes', 'cityscapes19'],
    ['kitti-fog', 'kitti', 'cityscapes19'],
  ]);
});

test('GTA5 stand-in -> Cityscapes and KITTI stand-ins: the tiny experiment writes the per-target comparison', () =>
  inTempDir((dir) => {
    const tiny = { worlds: ['0020'], frames: 2, height: 32, width: 96 };
    const gta5 = path.join(dir, 'gta5');
    const cityscapes = path.join(dir, 'cityscapes');
    const kitti = path.join(dir, 'kitti');
    writeYaml(path.join(dir, 'base.yaml'), {
      model: { name: 'deeplabv3_resnet18' },
      data: { train: { layout: 'gta5', root: gta5, labelSpace: 'cityscapes19' }, val: { layout: 'cityscapes', root: cityscapes, split: 'val' } },
      transforms: { scale: [1, 1], crop: 32, flip: false },
      train: { batchSize: 2, seed: 3, threads: 1, phases: [{ steps: 2, outputStride: 16 }], valEvery: 0, checkpointEvery: 0, logEvery: 1 },
    });
    const file = writeYaml(path.join(dir, 'standins.yaml'), {
      base: 'base.yaml',
      synth: [
        { out: gta5, layout: 'gta5', worlds: ['0001'], frames: 4, height: 32, width: 96, seed: 1 },
        { out: cityscapes, layout: 'cityscapes', split: 'val', ...tiny, seed: 2 },
        { out: kitti, layout: 'kitti', ...tiny, variations: ['fog'], seed: 3 },
      ],
      eval: {
        outputStrides: [16],
        targets: [
          { name: 'cityscapes', layout: 'cityscapes', root: cityscapes, split: 'val' },
          { name: 'kitti-fog', layout: 'kitti', root: kitti },
        ],
      },
      runs: [{ name: 'baseline' }],
    });
    const out = path.join(dir, 'out');
    assertOk(shapeseg(dir, 'experiment', file, '--out', out, '--no-progress'), 'stand-in experiment');
    const md = fs.readFileSync(path.join(out, 'comparison.md'), 'utf8');
    assert.match(md, /\| run \| OS \| cityscapes \| kitti-fog \| mean \|/);
    assert.match(md, /\| baseline \| 16 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    assert.match(md, /IoU per class on cityscapes \(%\):\n\n\| run \| OS \| road \| sidewalk \| building \| wall \|/);
    assert.match(md, /- cityscapes: `cityscapes:.*` \(2 files/);
    assert.match(md, /- kitti-fog: `kitti:.*` \(2 files/);
  }));
