// End to end through the real CLI in a temp dir: synth → train → eval → predict → report on both
// Virtual KITTI layouts (1.3.1 and 2.x) validated on a KITTI-layout set; resume of a finished run;
// bad inputs (config field, missing label file); and the `demo` command. Tiny sizes, 2 threads.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { assertOk, CONFIGS, isPng, shapeseg, snapshot, writeYaml } from './cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SIZE = '64x208';
const KITTI = path.join(tmp, 'kitti');
/** The vkitti-kitti label space, in class-index order. */
const CLASSES = ['road', 'building', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky', 'car', 'truck'];

/** Per layout: the expected files.json pair of frame i, and a sample id for predict. */
const LAYOUTS = {
  vkitti1: {
    pair: (i: number) => `vkitti_1.3.1_rgb/0001/clone/0000${i}.png\tvkitti_1.3.1_scenegt/0001/clone/0000${i}.png`,
    id: '0001/clone/00001',
    stem: '0001_clone_00001',
  },
  vkitti2: {
    pair: (i: number) => `Scene01/clone/frames/rgb/Camera_0/rgb_0000${i}.jpg\tScene01/clone/frames/classSegmentation/Camera_0/classgt_0000${i}.png`,
    id: 'Scene01/clone/Camera_0/00001',
    stem: 'Scene01_clone_Camera_0_00001',
  },
} as const;
type Layout = keyof typeof LAYOUTS;

/** The run config the brief asks for: 3 steps at OS 16, then 2 at OS 8 with BN frozen; validation at the end. */
function tinyConfig(name: string, layout: string, trainRoot: string, extra: { phases?: unknown[] } = {}): Record<string, unknown> {
  return {
    name,
    model: { name: 'deeplabv3_resnet18', auxLoss: false },
    data: {
      train: { layout, root: trainRoot, labelSpace: 'vkitti-kitti' },
      val: { layout: 'kitti', root: KITTI, labelSpace: 'vkitti-kitti' },
    },
    transforms: { scale: [1, 1.2], crop: 64 },
    train: {
      batchSize: 2,
      threads: 2,
      device: 'cpu',
      phases: extra.phases ?? [
        { steps: 3, outputStride: 16, freezeBN: false },
        { steps: 2, outputStride: 8, freezeBN: true },
      ],
      valEvery: 5,
      checkpointEvery: 5,
      logEvery: 1,
    },
  };
}

function readJsonl(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Run directories of finished runs, by layout (the resume and bad-input checks reuse vkitti1's). */
const runs = new Map<Layout, { runDir: string; configFile: string; dataRoot: string }>();

before(() => {
  assertOk(
    shapeseg(tmp, 'synth', '--out', KITTI, '--layout', 'kitti', '--frames', '2', '--size', SIZE, '--worlds', '0020', '--seed', '1', '--no-progress'),
    'synth kitti',
  );
});

for (const layout of Object.keys(LAYOUTS) as Layout[]) {
  const spec = LAYOUTS[layout];
  describe(`${layout} layout: train → eval → predict → report`, () => {
    const dataRoot = path.join(tmp, layout);
    const runDir = path.join(tmp, 'runs', layout);
    const configFile = path.join(tmp, `${layout}.yaml`);
    let checkpoint = '';

    test('synth writes the dataset', () => {
      const r = shapeseg(
        tmp,
        'synth',
        '--out',
        dataRoot,
        '--layout',
        layout,
        '--frames',
        '4',
        '--size',
        SIZE,
        '--worlds',
        '0001',
        '--variations',
        'clone',
        '--no-progress',
      );
      assertOk(r, `synth ${layout}`);
      assert.match(r.stdout, /^synth: wrote \d+ files to /m);
    });

    test('train fills the run directory', () => {
      writeYaml(configFile, tinyConfig(layout, layout, dataRoot));
      const r = shapeseg(tmp, 'train', configFile, '--run-dir', runDir, '--no-progress');
      assertOk(r, `train ${layout}`);
      assert.match(r.stderr, /trained 5 steps in .*, best val mIoU \d+\.\d+; last checkpoint .*step-00000005\.safetensors/);

      const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as {
        model: { name: string; numClasses: number };
        data: { train: { layout: string } };
        train: { phases: unknown[] };
      };
      assert.equal(config.model.name, 'deeplabv3_resnet18');
      assert.equal(config.model.numClasses, CLASSES.length);
      assert.equal(config.data.train.layout, layout);
      assert.equal(config.train.phases.length, 2);

      const files = JSON.parse(fs.readFileSync(path.join(runDir, 'files.json'), 'utf8')) as unknown;
      assert.deepEqual(files, {
        train: { root: dataRoot, files: [0, 1, 2, 3].map(spec.pair) },
        val: { root: KITTI, files: [0, 1].map((i) => `training/image_2/00000${i}_10.png\ttraining/semantic/00000${i}_10.png`) },
      });

      const lines = readJsonl(path.join(runDir, 'metrics.jsonl'));
      const steps = lines.filter((l) => 'loss' in l);
      assert.deepEqual(
        steps.map((l) => l.step),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(
        steps.map((l) => l.phase),
        [0, 0, 0, 1, 1],
      );
      for (const l of steps) assert.ok(Number.isFinite(l.loss) && (l.lr as number) > 0, JSON.stringify(l));
      const vals = lines.filter((l) => 'val' in l);
      assert.equal(vals.length, 1);
      assert.equal(vals[0]!.step, 5);
      const val = vals[0]!.val as { mIoU: number; perClass: unknown[] };
      assert.ok(val.mIoU >= 0 && val.mIoU <= 1);
      assert.equal(val.perClass.length, CLASSES.length);

      const ckpts = fs.readdirSync(path.join(runDir, 'checkpoints'));
      // phase boundary (step 3) and the end (step 5, = checkpointEvery)
      assert.ok(ckpts.includes('step-00000003.safetensors') && ckpts.includes('step-00000005.safetensors'), ckpts.join(', '));
      const events = fs.readdirSync(path.join(runDir, 'tb')).filter((f) => f.startsWith('events.out.tfevents.'));
      assert.equal(events.length, 1);
      assert.ok(fs.statSync(path.join(runDir, 'tb', events[0]!)).size > 0);

      checkpoint = ckpts.includes('best.safetensors')
        ? path.join(runDir, 'checkpoints', 'best.safetensors')
        : path.join(runDir, 'checkpoints', 'step-00000005.safetensors');
      runs.set(layout, { runDir, configFile, dataRoot });
    });

    test('eval prints every class and writes the metrics JSON and a figure', () => {
      assert.ok(checkpoint, 'train did not finish');
      const out = path.join(runDir, 'eval', 'kitti-os8.json');
      const r = shapeseg(
        tmp,
        'eval',
        '--checkpoint',
        checkpoint,
        '--data',
        `kitti:${KITTI}`,
        '--label-space',
        'vkitti-kitti',
        '--output-stride',
        '8',
        '--figures',
        '2',
        '--out',
        out,
        '--device',
        'cpu',
        '--no-progress',
      );
      assertOk(r, `eval ${layout}`);
      for (const name of CLASSES) assert.match(r.stdout, new RegExp(`^${name} +(\\d+\\.\\d\\d|n/a) `, 'm'), `class ${name} missing from\n${r.stdout}`);
      assert.match(r.stdout, /^mIoU +\d+\.\d\d/m);
      assert.match(r.stdout, /^pixel accuracy +\d+\.\d\d/m);

      const res = JSON.parse(fs.readFileSync(out, 'utf8')) as {
        mIoU: number;
        pixelAccuracy: number;
        perClassIoU: Record<string, number | null>;
        classNames: string[];
        outputStride: number;
      };
      assert.deepEqual(res.classNames, CLASSES);
      assert.deepEqual(Object.keys(res.perClassIoU), CLASSES);
      for (const v of Object.values(res.perClassIoU)) assert.ok(v === null || (v >= 0 && v <= 1), String(v));
      assert.ok(res.mIoU >= 0 && res.mIoU <= 1, String(res.mIoU));
      assert.ok(res.pixelAccuracy >= 0 && res.pixelAccuracy <= 1, String(res.pixelAccuracy));
      assert.equal(res.outputStride, 8);
      assert.ok(isPng(path.join(runDir, 'figures', 'kitti-os8.png')));
    });

    test('predict writes the PNGs of one sample', () => {
      assert.ok(checkpoint, 'train did not finish');
      const out = path.join(tmp, `pred-${layout}`);
      const r = shapeseg(
        tmp,
        'predict',
        '--checkpoint',
        checkpoint,
        '--data',
        `${layout}:${dataRoot}`,
        '--ids',
        spec.id,
        '--out',
        out,
        '--device',
        'cpu',
        '--no-progress',
      );
      assertOk(r, `predict ${layout}`);
      assert.match(r.stdout, /^wrote 1 predictions to /m);
      for (const kind of ['mask', 'pred', 'overlay', 'grid']) assert.ok(isPng(path.join(out, `${spec.stem}_${kind}.png`)), `${spec.stem}_${kind}.png`);
    });

    test('report writes one self-contained HTML page', () => {
      assert.ok(checkpoint, 'train did not finish');
      const out = path.join(tmp, `report-${layout}.html`);
      const r = shapeseg(tmp, 'report', runDir, '--out', out);
      assertOk(r, `report ${layout}`);
      const html = fs.readFileSync(out, 'utf8');
      assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'the report links to something outside itself');
      assert.doesNotMatch(html, /url\(\s*["']?(?:https?:)?\/\//i);
      assert.match(html, /<svg\b/);
      assert.match(html, /data:image\/png;base64,/);
    });
  });
}

describe('resume and bad inputs (through the CLI)', () => {
  test('train --resume of a finished run continues nothing and touches no checkpoint', () => {
    const run = runs.get('vkitti1');
    assert.ok(run, 'the vkitti1 run did not finish');
    const ckptDir = path.join(run.runDir, 'checkpoints');
    const before = snapshot(ckptDir);
    const metrics = fs.readFileSync(path.join(run.runDir, 'metrics.jsonl'), 'utf8');
    // without --no-progress (stderr is no TTY: plain lines) so the resume message shows
    const r = shapeseg(tmp, 'train', run.configFile, '--run-dir', run.runDir, '--resume');
    assertOk(r, 'train --resume');
    assert.match(r.stderr, /resuming .* at step 5 from .*step-00000005\.safetensors/);
    assert.match(r.stderr, /trained 5 steps in /);
    assert.doesNotMatch(r.stderr, /note: the config differs/);
    assert.deepEqual(snapshot(ckptDir), before);
    assert.equal(fs.readFileSync(path.join(run.runDir, 'metrics.jsonl'), 'utf8'), metrics);
  });

  test('a config with train.phases[0].outputStride: 12 exits 1 naming the field', () => {
    const file = writeYaml(path.join(tmp, 'bad-os.yaml'), tinyConfig('bad-os', 'kitti', KITTI, { phases: [{ steps: 1, outputStride: 12 }] }));
    const runDir = path.join(tmp, 'runs', 'bad-os');
    const r = shapeseg(tmp, 'train', file, '--run-dir', runDir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^shapeseg: train\.phases\[0\]\.outputStride: .*12/);
    assert.ok(r.stderr.includes(file), r.stderr);
    assert.ok(!fs.existsSync(runDir), 'a config error must not create the run directory');
  });

  test('a deleted label file makes train exit 1 naming it, and leaves existing checkpoints alone', () => {
    const run = runs.get('vkitti1');
    assert.ok(run, 'the vkitti1 run did not finish');
    const broken = path.join(tmp, 'vkitti1-broken');
    fs.cpSync(run.dataRoot, broken, { recursive: true });
    const gone = path.join(broken, 'vkitti_1.3.1_scenegt', '0001', 'clone', '00002.png');
    fs.rmSync(gone);
    const file = writeYaml(path.join(tmp, 'broken.yaml'), tinyConfig('broken', 'vkitti1', broken));

    const fresh = shapeseg(tmp, 'train', file, '--run-dir', path.join(tmp, 'runs', 'broken'));
    assert.equal(fresh.status, 1, fresh.stderr);
    assert.match(fresh.stderr, /^shapeseg: label file missing: /);
    assert.ok(fresh.stderr.includes(gone), fresh.stderr);

    const ckptDir = path.join(run.runDir, 'checkpoints');
    const before = snapshot(ckptDir);
    const resumed = shapeseg(tmp, 'train', file, '--run-dir', run.runDir, '--resume');
    assert.equal(resumed.status, 1, resumed.stderr);
    assert.ok(resumed.stderr.includes(gone), resumed.stderr);
    assert.deepEqual(snapshot(ckptDir), before);
  });
});

test('demo runs end to end on a tiny config', () => {
  // configs/demo.yaml cut down to 3 steps on 64×208 frames
  const demo = YAML.parse(fs.readFileSync(path.join(CONFIGS, 'demo.yaml'), 'utf8')) as {
    transforms: Record<string, unknown>;
    train: Record<string, unknown> & { schedule: Record<string, unknown> };
  };
  Object.assign(demo.transforms, { crop: 64, scale: [1, 1.2] });
  Object.assign(demo.train, {
    batchSize: 2,
    threads: 2,
    phases: [
      { steps: 2, outputStride: 16, freezeBN: false },
      { steps: 1, outputStride: 8, freezeBN: true },
    ],
    valEvery: 3,
    checkpointEvery: 3,
    logEvery: 1,
  });
  demo.train.schedule.warmupSteps = 1;
  const config = writeYaml(path.join(tmp, 'tiny-demo.yaml'), demo);
  const out = path.join(tmp, 'demo');
  const r = shapeseg(tmp, 'demo', '--out', out, '--size', SIZE, '--train-frames', '4', '--val-frames', '2', '--config', config, '--no-progress');
  assertOk(r, 'demo');
  assert.match(r.stdout, /^demo finished in .*mean IoU \d+\.\d%/m);
  const report = /^report: (.+)$/m.exec(r.stdout);
  assert.ok(report, r.stdout);
  assert.equal(report[1], path.join(out, 'report.html'));
  assert.ok(fs.statSync(report[1]!).size > 0);
  assert.ok(fs.existsSync(path.join(out, 'run', 'eval', 'kitti-os8.json')));
});
