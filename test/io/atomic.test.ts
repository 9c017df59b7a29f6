import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { writeFileAtomic, writeFileAtomicAsync } from '../../src/io/atomic.js';
import { CheckpointError, FileWriteError } from '../../src/io/errors.js';
import { tempDir } from './util.js';

describe('writeFileAtomic', () => {
  const { dir, cleanup } = tempDir();
  const f = (name: string) => path.join(dir, name);
  after(cleanup);

  test('writes the whole file and leaves no temp file', async () => {
    writeFileAtomic(f('a.json'), (fd) => fs.writeSync(fd, '{"a":1}\n'));
    await writeFileAtomicAsync(f('sub/b.txt'), 'b\n');
    assert.equal(fs.readFileSync(f('a.json'), 'utf8'), '{"a":1}\n');
    assert.equal(fs.readFileSync(f('sub/b.txt'), 'utf8'), 'b\n');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['a.json', 'sub']);
    assert.deepEqual(fs.readdirSync(f('sub')), ['b.txt']);
  });

  test('an unwritable target is a FileWriteError naming it, not a CheckpointError', async () => {
    const target = f('no/such/dir/config.json');
    const err = (() => {
      try {
        writeFileAtomic(target, () => {});
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof FileWriteError && !(err instanceof CheckpointError), String(err));
    assert.equal(err.file, target);
    assert.match(err.message, /no\/such\/dir\/config\.json: cannot write/);

    fs.writeFileSync(f('plain-file'), '');
    const under = f('plain-file/report.html'); // its folder is a file: mkdir fails
    await assert.rejects(writeFileAtomicAsync(under, 'x'), (e: unknown) => {
      assert.ok(e instanceof FileWriteError && e.file === under, String(e));
      assert.doesNotMatch(e.message, /\.tmp-/, 'names the target, not the temp file');
      return true;
    });
  });
});
