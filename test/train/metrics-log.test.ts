import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { MetricsLog, parseMetricsLog, readMetricsLog, type ValLogLine } from '../../src/train/metrics-log.js';

test('non-finite numbers round-trip as null: written as null, read back as null, old "NaN"/"Infinity" strings too', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  try {
    const file = path.join(dir, 'metrics.jsonl');
    const log = new MetricsLog(file);
    log.write({ step: 1, phase: 0, val: { mIoU: Number.NaN, pixelAcc: Number.POSITIVE_INFINITY, perClass: [Number.NaN, 0.5] }, time: 1 });
    log.close();
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text, '{"step":1,"phase":0,"val":{"mIoU":null,"pixelAcc":null,"perClass":[null,0.5]},"time":1}\n');
    const expected: ValLogLine = { step: 1, phase: 0, val: { mIoU: null, pixelAcc: null, perClass: [null, 0.5] }, time: 1 };
    assert.deepEqual(readMetricsLog(file), [expected]);
    // a file written before: the same numbers as strings
    fs.writeFileSync(file, '{"step":1,"phase":0,"val":{"mIoU":"NaN","pixelAcc":"Infinity","perClass":["NaN",0.5]},"time":1}\n');
    assert.deepEqual(readMetricsLog(file), [expected]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('parseMetricsLog skips bad lines with a warning naming file:line, a torn last line included', () => {
  const text = '{"step":1,"phase":0,"loss":1,"lr":0.1,"imagesPerSec":2,"time":1}\n{"nostep":1}\n{"step":2,"val":{"mIoU":"x"}}\n\n{"step":3,"lo';
  const { lines, warnings } = parseMetricsLog(text, 'run/metrics.jsonl');
  assert.deepEqual(
    lines.map((l) => l.step),
    [1],
  );
  assert.deepEqual(warnings, [
    'run/metrics.jsonl:2: no numeric "step", skipped',
    'run/metrics.jsonl:3: "val" without a numeric mIoU, skipped',
    'run/metrics.jsonl:5: not JSON, skipped',
  ]);
});
