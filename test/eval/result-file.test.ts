import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { computeMetrics } from '../../src/eval/metrics.js';
import { readEvalResult, toEvalResultFile, writeEvalResult } from '../../src/eval/result-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('eval result file', () => {
  const cm = Float64Array.from([8, 2, 0, 1, 3, 0, 0, 0, 0]);
  const prov = {
    checkpoint: '/runs/a/checkpoints/final.safetensors',
    labelSpace: 'test',
    classNames: ['road', 'pole', 'sky'],
    data: { spec: 'kitti:/data/kitti', split: 'val', count: 2 },
    outputStride: 8,
    scales: [1],
    flip: false,
  };

  it('round-trips with NaN as null and per-class values by name', async () => {
    const file = path.join(dir, 'eval', 'kitti.json');
    await writeEvalResult(file, toEvalResultFile(computeMetrics(cm), cm, 5, prov));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['kitti.json']); // no temp file left
    const r = await readEvalResult(file);
    assert.equal(r.perClassIoU.sky, null);
    assert.ok(Math.abs((r.perClassIoU.road as number) - 8 / 11) < 1e-12);
    assert.deepEqual(r.confusionMatrix, [
      [8, 2, 0],
      [1, 3, 0],
      [0, 0, 0],
    ]);
    assert.equal(r.ignoredPixels, 5);
    assert.equal(r.outputStride, 8);
    assert.equal(r.data.count, 2);
    assert.equal(r.checkpoint, prov.checkpoint);
  });

  it('names the file and field of a bad file', async () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ format: 'shapeseg-eval/1' }));
    await assert.rejects(readEvalResult(file), /bad\.json: field createdAt/);
  });
});
