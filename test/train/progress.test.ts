import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { formatDuration, TrainProgress } from '../../src/train/progress.js';

test('formatDuration', () => {
  assert.equal(formatDuration(42.4), '42s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3720), '1h02m');
  assert.equal(formatDuration(NaN), '?');
});

test('lines mode prints every N steps and the last, plus messages', () => {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  const p = new TrainProgress(5, 'lines', 2, stream);
  p.start(0);
  for (let step = 1; step <= 5; step++) p.update({ step, phase: 0, loss: 1 / step, lr: 0.01, imagesPerSec: 4 });
  p.log('step 5: val mIoU 50.00');
  p.stop();
  const lines = out.trim().split('\n');
  assert.deepEqual(
    lines.map((l) => l.split(' ')[1]),
    ['2/5', '4/5', '5/5', '5:'],
  );
  assert.match(lines[0]!, /^step 2\/5 phase 0 loss 0\.5000 lr 1\.000e-2 4\.0 img\/s ETA \S+$/);
});
