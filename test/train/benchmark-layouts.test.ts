// The field's protocols in miniature: train on GTA5 / SYNTHIA trees and validate on a Cityscapes tree, all written
// as their publishers lay them out (test/data/benchmark-fixtures.ts), in cityscapes19 and synthia16.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import { readMetricsLog, type ValLogLine } from '../../src/train/metrics-log.js';
import { train } from '../../src/train/trainer.js';
import { writePublishedCityscapes, writePublishedGta5, writePublishedSynthia } from '../data/benchmark-fixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-protocols-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Trains 2 steps on `source` and validates on the Cityscapes val split, in `space`; returns the validation line. */
async function miniProtocol(name: string, source: Record<string, unknown>, space: string): Promise<ValLogLine> {
  const cityscapes = path.join(tmp, 'cityscapes');
  if (!fs.existsSync(cityscapes)) await writePublishedCityscapes(cityscapes, { width: 40, height: 24 });
  const config = parseConfig({
    name,
    model: { name: 'deeplabv3_resnet18' },
    data: { train: { ...source, labelSpace: space }, val: { layout: 'cityscapes', root: cityscapes, split: 'val', labelSpace: space }, workers: 0 },
    transforms: { scale: [1, 1], crop: 16, flip: true },
    train: { batchSize: 2, seed: 3, threads: 1, phases: [{ steps: 2, outputStride: 16 }], valEvery: 2, checkpointEvery: 2, logEvery: 1 },
  });
  assert.equal(config.model.numClasses, getLabelSpace(space).numClasses);
  const runDir = path.join(tmp, 'runs', name);
  const res = await train({ config, runDir, progress: 'off' });
  assert.equal(res.step, 2);
  const val = readMetricsLog(path.join(runDir, 'metrics.jsonl')).filter((l): l is ValLogLine => 'val' in l);
  assert.equal(val.length, 1);
  return val[0]!;
}

test('GTA5 -> Cityscapes in cityscapes19: trains on the palette-PNG tree, validates on the labelIds tree', async () => {
  const gta5 = path.join(tmp, 'gta5');
  // frames 1 and 2 are in the release's size-mismatch list, which the reader skips by default
  await writePublishedGta5(gta5, { frames: [3, 4, 5, 6], width: 40, height: 24 });
  const v = await miniProtocol('gta5-cityscapes', { layout: 'gta5', root: gta5 }, 'cityscapes19');
  assert.equal(v.val.perClass.length, 19);
  assert.ok(typeof v.val.mIoU === 'number' && v.val.mIoU >= 0 && v.val.mIoU <= 1);
});

test('SYNTHIA -> Cityscapes in synthia16: trains on the 16-bit label tree, validates on Cityscapes', async () => {
  const synthia = path.join(tmp, 'synthia');
  await writePublishedSynthia(synthia, { frames: 4, width: 40, height: 24 });
  const v = await miniProtocol('synthia-cityscapes', { layout: 'synthia', root: synthia }, 'synthia16');
  assert.equal(v.val.perClass.length, 16);
  assert.ok(typeof v.val.mIoU === 'number' && v.val.mIoU >= 0 && v.val.mIoU <= 1);
});
