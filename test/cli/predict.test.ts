// `shapeseg predict` on folders and globs of images, through the built CLI, against the Segmenter in-process.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { buildProgram } from '../../src/cli/program.js';
import { Segmenter } from '../../src/deploy/segmenter.js';
import { writeSafetensors } from '../../src/io/index.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { manualSeed, type RawTensor } from '../../src/tensor/index.js';
import { runShapeseg } from '../e2e/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-predict-'));
const ckpt = path.join(dir, 'tiny.safetensors');
const photos = path.join(dir, 'photos');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a random RGB PNG of the given size. */
async function writeImage(file: string, width: number, height: number, seed: number): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * seed) % 13)) % 256;
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

before(async () => {
  manualSeed(11);
  const m = createDeepLabV3('deeplabv3_resnet18', { numClasses: 10 });
  const sd = new Map<string, RawTensor>();
  for (const [k, t] of m.stateDict()) sd.set(k, t.toRaw());
  m.dispose();
  writeSafetensors(ckpt, sd, { model: 'deeplabv3_resnet18', numClasses: '10', labelSpace: 'vkitti-kitti' });
  fs.mkdirSync(photos);
  await writeImage(path.join(photos, 'b_street.png'), 40, 30, 1);
  await writeImage(path.join(photos, 'a_road.png'), 28, 20, 2);
  await writeImage(path.join(photos, 'c_street.png'), 40, 30, 3);
  fs.writeFileSync(path.join(photos, 'notes.txt'), 'not an image');
});

const cli = (...args: string[]) => runShapeseg(args, { timeoutMs: 120_000 });

describe('shapeseg predict on folders and globs', () => {
  it('a folder with sliding windows: every image in name order, the masks of Segmenter.segment', async () => {
    const out = path.join(dir, 'out-folder');
    const slide = ['--mode', 'slide', '--crop', '24x24', '--stride', '16x16', '--batch-size', '2'];
    const r = cli('predict', photos, '-c', ckpt, ...slide, '--device', 'cpu', '-o', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote 3 predictions to /m);
    assert.match(r.stderr, /predict: 3\/3 images/);
    for (const id of ['a_road', 'b_street', 'c_street'])
      for (const s of ['mask', 'pred', 'overlay', 'grid']) assert.ok(fs.existsSync(path.join(out, `${id}_${s}.png`)), `${id}_${s}.png`);
    assert.ok(fs.existsSync(path.join(out, 'grid.png')));
    const predFile = path.join(out, 'b_street_pred.png');
    const pred = await sharp(predFile).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([pred.info.width, pred.info.height], [40, 30]);
    const seg = await Segmenter.load(ckpt, { device: 'cpu', outputStride: 8 });
    const ref = await seg.segment(path.join(photos, 'b_street.png'), { mode: 'slide', crop: [24, 24], stride: [16, 16] });
    await seg.dispose();
    assert.deepEqual(new Uint8Array(pred.data), ref.labels);
  });

  it('a glob: only the matching images', () => {
    const out = path.join(dir, 'out-glob');
    const r = cli('predict', path.join(photos, '*_street.png'), '-c', ckpt, '--device', 'cpu', '-o', out, '--no-progress');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), [
      'b_street_grid.png',
      'b_street_mask.png',
      'b_street_overlay.png',
      'b_street_pred.png',
      'c_street_grid.png',
      'c_street_mask.png',
      'c_street_overlay.png',
      'c_street_pred.png',
      'grid.png',
    ]);
  });

  it('bad inputs and flags are refused naming them (in-process: no CLI start per case)', async () => {
    const out = path.join(dir, 'out-bad');
    const predict = (...args: string[]) =>
      buildProgram()
        .exitOverride()
        .parseAsync(['node', 'shapeseg', 'predict', ...args]);
    await assert.rejects(predict(path.join(photos, '*.jpg'), '-c', ckpt, '-o', out), /\*\.jpg: the pattern matches no files/);
    await assert.rejects(predict(photos, '-c', ckpt, '--mode', 'slide', '--crop', '24by24', '-o', out), /--crop: expected HxW/);
  });
});
