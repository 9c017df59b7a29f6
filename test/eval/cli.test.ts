// End to end through the built CLI: eval, predict and report on a tiny KITTI tree and a fresh checkpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { readEvalResult } from '../../src/eval/result-file.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { manualSeed } from '../../src/tensor/index.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { writeKitti } from '../data/fixtures.js';
import { runShapeseg } from '../e2e/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const kitti = path.join(dir, 'kitti');
const run = path.join(dir, 'runs', 'tiny');
const ckpt = path.join(run, 'checkpoints', 'step-00000010.safetensors');

const cli = (...args: string[]) => runShapeseg(args, { timeoutMs: 300_000 });

before(async () => {
  await writeKitti(kitti, { count: 3, width: 48, height: 40 });
  manualSeed(0);
  const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 10, outputStride: 16 });
  const config = {
    name: 'tiny',
    model: { name: 'deeplabv3_resnet18', numClasses: 10 },
    data: {
      train: { layout: 'kitti', root: kitti, labelSpace: 'vkitti-kitti' },
      val: { layout: 'kitti', root: kitti, labelSpace: 'vkitti-kitti', frames: { start: 1 } },
    },
    train: { phases: [{ steps: 10, outputStride: 16 }] },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  saveCheckpoint(ckpt, model.stateDict(), new Map(), {
    step: 10,
    phase: 0,
    rngState: new Uint8Array(4),
    loaderState: null,
    configHash: 'x',
    bestMIoU: null,
    config,
  });
  model.dispose();
  fs.mkdirSync(run, { recursive: true });
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), '{"step":5,"loss":2.1,"lr":0.01,"imagesPerSec":3}\n{"step":10,"loss":1.9,"lr":0.005,"imagesPerSec":3.1}\n');
});

describe('shapeseg eval / predict / report', () => {
  it('eval prints the per-class table and writes the JSON and a figure into the run', () => {
    const r = cli(
      'eval',
      '--checkpoint',
      ckpt,
      '--data',
      `kitti:${kitti}`,
      '--label-space',
      'vkitti-kitti',
      '--device',
      'cpu',
      '--figures',
      '2',
      '--no-progress',
    );
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['road', 'pole', 'traffic light', 'traffic sign', 'truck']) assert.match(r.stdout, new RegExp(`^${c}\\s`, 'm'));
    assert.match(r.stdout, /mIoU\s+\d+\.\d\d/);
    assert.match(r.stderr, /note: the checkpoint was last trained at output stride 16/);
    assert.ok(fs.existsSync(path.join(run, 'figures', 'kitti-os8.png')));
  });

  it("eval -o elsewhere names the figure after the results file, beside it, and leaves the run's figure alone", () => {
    const runFigure = path.join(run, 'figures', 'kitti-os8.png');
    const before = fs.readFileSync(runFigure);
    const out = path.join(dir, 'second', 'kitti-second.json');
    const r = cli(
      'eval',
      '--checkpoint',
      ckpt,
      '--data',
      `kitti:${kitti}`,
      '--filter',
      '{frames: {start: 1}}',
      '--label-space',
      'vkitti-kitti',
      '--device',
      'cpu',
      '--figures',
      '1',
      '--out',
      out,
      '--no-progress',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'second', 'kitti-second.png')));
    assert.ok(fs.readFileSync(runFigure).equals(before), "the first dataset's figure was overwritten");
  });

  it('the eval JSON records checkpoint, data count, stride and every class by name', async () => {
    const res = await readEvalResult(path.join(run, 'eval', 'kitti-os8.json'));
    assert.equal(res.checkpoint, ckpt);
    assert.equal(res.data.count, 3);
    assert.equal(res.outputStride, 8);
    assert.deepEqual(Object.keys(res.perClassIoU), [
      'road',
      'building',
      'pole',
      'traffic light',
      'traffic sign',
      'vegetation',
      'terrain',
      'sky',
      'car',
      'truck',
    ]);
    assert.equal(res.totalPixels + res.ignoredPixels, 3 * 48 * 40);
  });

  it('eval without --data uses the checkpoint run config split, with TTA and --out', async () => {
    const out = path.join(dir, 'tta.json');
    const r = cli(
      'eval',
      '-c',
      ckpt,
      '--split',
      'val',
      '--output-stride',
      '16',
      '--scales',
      '0.5,1',
      '--flip',
      '--boundary',
      '--trimap',
      '0.1',
      '--device',
      'cpu',
      '--out',
      out,
      '--no-progress',
    );
    assert.equal(r.status, 0, r.stderr);
    const res = await readEvalResult(out);
    assert.equal(res.data.count, 2); // frames start 1
    assert.deepEqual(res.scales, [0.5, 1]);
    assert.equal(res.flip, true);
    // band metrics: Boundary IoU at the default 2 % of the diagonal, the trimap band at the asked 10 %
    assert.match(r.stdout, /boundary IoU\s+(\d+\.\d\d|n\/a)/);
    assert.match(r.stdout, /trimap mIoU\s+(\d+\.\d\d|n\/a)/);
    assert.equal(res.boundary?.ratio, 0.02);
    assert.deepEqual(Object.keys(res.boundary?.perClassBoundaryIoU ?? {}), Object.keys(res.perClassIoU));
    assert.equal(res.trimap?.ratio, 0.1);
    assert.ok((res.trimap?.pixels ?? 0) > 0 && (res.trimap?.pixels ?? 0) <= res.totalPixels);
  });

  it('errors name the bad flag value', () => {
    const r = cli('eval', '-c', ckpt, '--data', 'kitty:/x', '--device', 'cpu');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--data: expected <layout>:<root> .* got "kitty:\/x"/);
    const r2 = cli('eval', '-c', ckpt, '--data', `kitti:${kitti}`, '--output-stride', '4', '--device', 'cpu');
    assert.match(r2.stderr, /outputStride must be 8 or 16, got 4/);
  });

  it('predict writes masks, overlays, index maps and grids for dataset ids and for image files', async () => {
    const out = path.join(dir, 'pred');
    const r = cli('predict', '-c', ckpt, '--data', `kitti:${kitti}`, '--ids', '000001_10', '000002_10', '--device', 'cpu', '--out', out, '--no-progress');
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['000001_10_mask.png', '000001_10_overlay.png', '000001_10_pred.png', '000001_10_grid.png', 'grid.png'])
      assert.ok(fs.existsSync(path.join(out, f)), f);
    const mask = await sharp(path.join(out, '000001_10_mask.png')).metadata();
    assert.deepEqual([mask.width, mask.height], [48, 40]);
    const grid = await sharp(path.join(out, 'grid.png')).metadata();
    assert.equal(grid.width, 4 * 480 + 5 * 4); // image | gt | prediction | errors
    const pred = await sharp(path.join(out, '000001_10_pred.png')).raw().toBuffer();
    assert.ok(
      pred.every((v) => v < 10),
      'index map holds class indices',
    );

    const out2 = path.join(dir, 'pred2');
    const img = path.join(kitti, 'training', 'image_2', '000000_10.png');
    const r2 = cli('predict', '-c', ckpt, '--images', img, '--device', 'cpu', '--out', out2, '--no-progress');
    assert.equal(r2.status, 0, r2.stderr);
    const g2 = await sharp(path.join(out2, '000000_10_grid.png')).metadata();
    assert.equal(g2.width, 3 * 480 + 4 * 4); // image | prediction | overlay
    const bad = cli('predict', '-c', ckpt, '--data', `kitti:${kitti}`, '--ids', 'nope', '--device', 'cpu', '--out', out2);
    assert.match(bad.stderr, /--ids not in the dataset: nope/);
  });

  it('report builds one HTML page from the run', () => {
    const out = path.join(dir, 'report.html');
    const r = cli('report', run, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const html = fs.readFileSync(out, 'utf8');
    assert.match(html, /kitti-os8\.json/);
    assert.match(html, /data:image\/png;base64,/);
  });
});
