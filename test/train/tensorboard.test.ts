import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { crc32c, maskedCrc32c, TensorBoardWriter } from '../../src/train/tensorboard.js';
import { skipIfMissing } from '../helpers/skip.js';

interface Decoded {
  wallTime: number;
  step: number;
  fileVersion?: string;
  sessionStatus?: number;
  values: Array<[string, number]>;
}

/** A small protobuf reader: field number -> raw values (varints as bigint, fixed as Buffer, length-delimited as Buffer). */
function fields(buf: Buffer): Array<[number, number, bigint | Buffer]> {
  const out: Array<[number, number, bigint | Buffer]> = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (i < buf.length) {
    const k = Number(varint());
    const wire = k & 7;
    const field = k >> 3;
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 1) {
      out.push([field, wire, buf.subarray(i, i + 8)]);
      i += 8;
    } else if (wire === 5) {
      out.push([field, wire, buf.subarray(i, i + 4)]);
      i += 4;
    } else if (wire === 2) {
      const n = Number(varint());
      out.push([field, wire, buf.subarray(i, i + n)]);
      i += n;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

function decodeFile(file: string): Decoded[] {
  const buf = fs.readFileSync(file);
  const events: Decoded[] = [];
  let off = 0;
  while (off < buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    assert.equal(buf.readUInt32LE(off + 8), maskedCrc32c(buf.subarray(off, off + 8)), 'length crc');
    const data = buf.subarray(off + 12, off + 12 + len);
    assert.equal(buf.readUInt32LE(off + 12 + len), maskedCrc32c(data), 'data crc');
    off += 16 + len;
    const ev: Decoded = { wallTime: 0, step: 0, values: [] };
    for (const [f, , v] of fields(data)) {
      if (f === 1) ev.wallTime = (v as Buffer).readDoubleLE(0);
      else if (f === 2) ev.step = Number(v as bigint);
      else if (f === 3) ev.fileVersion = (v as Buffer).toString('utf8');
      else if (f === 6) ev.sessionStatus = Number(fields(v as Buffer).find(([ff]) => ff === 1)![2] as bigint);
      else if (f === 5) {
        for (const [vf, , value] of fields(v as Buffer)) {
          assert.equal(vf, 1);
          let tag = '';
          let sv = NaN;
          for (const [ff, , x] of fields(value as Buffer)) {
            if (ff === 1) tag = (x as Buffer).toString('utf8');
            if (ff === 2) sv = (x as Buffer).readFloatLE(0);
          }
          ev.values.push([tag, sv]);
        }
      }
    }
    events.push(ev);
  }
  return events;
}

test('crc32c check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

function writeSample(dir: string): string {
  const w = new TensorBoardWriter(path.join(dir, 'tb'));
  w.addScalars(1, { 'train/loss': 2.5, 'train/lr': 0.01 }, 1000.5);
  w.addScalar('val/mIoU', 0.75, 300000, 1001);
  w.addSessionStart(7, 1002);
  w.close();
  return w.file;
}

function inTmp(fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('event file decodes back to the scalars written', () => {
  inTmp((dir) => {
    const file = writeSample(dir);
    assert.match(path.basename(file), new RegExp(`^events\\.out\\.tfevents\\.\\d+\\.${os.hostname().replace(/[.]/g, '\\.')}$`));
    const evs = decodeFile(file);
    assert.equal(evs.length, 4);
    assert.equal(evs[0]!.fileVersion, 'brain.Event:2');
    assert.deepEqual(evs[1], {
      wallTime: 1000.5,
      step: 1,
      values: [
        ['train/loss', 2.5],
        ['train/lr', Math.fround(0.01)],
      ],
    });
    assert.deepEqual(evs[2], { wallTime: 1001, step: 300000, values: [['val/mIoU', 0.75]] });
    assert.deepEqual(evs[3], { wallTime: 1002, step: 7, sessionStatus: 1, values: [] });
  });
});

const hasTensorboard = spawnSync('/usr/bin/python3', ['-c', 'import tensorboard']).status === 0;

test('TensorBoard itself reads the event file', {
  skip: skipIfMissing(hasTensorboard ? null : 'tensorboard is not installed for /usr/bin/python3', 'optional'),
}, () => {
  inTmp((dir) => {
    const file = writeSample(dir);
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import sys
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
for e in EventFileLoader(sys.argv[1]).Load():
    for v in e.summary.value:
        print(e.step, v.tag, v.simple_value if v.HasField('simple_value') else v.tensor.float_val[0])`,
        file,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(py.status, 0, py.stderr);
    assert.deepEqual(py.stdout.trim().split('\n'), ['1 train/loss 2.5', `1 train/lr ${Math.fround(0.01)}`, '300000 val/mIoU 0.75']);
  });
});
