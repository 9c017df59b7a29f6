import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { detectCheckpointFormat, loadCheckpoint, writePth, writeSafetensors } from '../../src/io/index.js';
import { digest, sampleStateDict, tempDir } from './util.js';

describe('loadCheckpoint', () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  after(cleanup);

  test('picks the format by content, not by extension', () => {
    const sd = sampleStateDict();
    writePth(f('really-pth.safetensors'), sd);
    writeSafetensors(f('really-st.pth'), sd, { note: 'x' });
    assert.equal(detectCheckpointFormat(f('really-pth.safetensors')), 'pth');
    assert.equal(detectCheckpointFormat(f('really-st.pth')), 'safetensors');
    const a = loadCheckpoint(f('really-pth.safetensors'));
    const b = loadCheckpoint(f('really-st.pth'));
    assert.equal(a.format, 'pth');
    assert.deepEqual(a.metadata, {});
    assert.equal(b.format, 'safetensors');
    assert.deepEqual(b.metadata, { note: 'x' });
    for (const [k, t] of sd) {
      assert.deepEqual(digest(k, a.tensors.get(k)!), digest(k, t));
      assert.deepEqual(digest(k, b.tensors.get(k)!), digest(k, t));
    }
  });

  test('missing, empty, truncated legacy and unknown files get clear errors naming the path', () => {
    assert.throws(
      () => loadCheckpoint(f('absent.pth')),
      (e: Error) => e.message === `${f('absent.pth')}: no such file (checkpoint not found)`,
    );
    fs.writeFileSync(f('empty.pth'), '');
    assert.throws(() => loadCheckpoint(f('empty.pth')), /empty\.pth: unrecognised checkpoint format/);
    fs.writeFileSync(f('legacy.pth'), Buffer.from([0x80, 0x02, 0x8a, 0x0a]));
    assert.throws(() => loadCheckpoint(f('legacy.pth')), /legacy\.pth: corrupt legacy \(pre-1\.6\) checkpoint: truncated/);
    fs.writeFileSync(f('text.pth'), 'hello world, not a checkpoint');
    assert.throws(() => loadCheckpoint(f('text.pth')), /text\.pth: unrecognised checkpoint format/);
    assert.throws(() => loadCheckpoint(dir), /is a directory/);
  });
});
