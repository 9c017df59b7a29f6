import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { withFileSource } from '../../src/io/source.js';
import { ZipReader } from '../../src/io/zip.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';
import { tempDir } from './util.js';

describe('ZipReader against Python zipfile', { skip: skipWithoutTorch() }, () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('reads stored, deflated and ZIP64 entries, with a comment', () => {
    const file = path.join(dir, 'mixed.zip');
    runPython(
      String.raw`
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.comment = b'a comment at the end'
    z.writestr(zipfile.ZipInfo('a/stored'), b'x' * 1000, compress_type=zipfile.ZIP_STORED)
    z.writestr('a/deflated', bytes(range(256)) * 50, compress_type=zipfile.ZIP_DEFLATED)
    with z.open('a/zip64', 'w', force_zip64=True) as w:
        w.write(b'big?')
`,
      { args: [file] },
    );
    withFileSource(file, (src) => {
      const zip = new ZipReader(src);
      assert.deepEqual([...zip.entries.keys()], ['a/stored', 'a/deflated', 'a/zip64']);
      assert.equal(Buffer.from(zip.read(zip.get('a/stored')!)).toString(), 'x'.repeat(1000));
      const d = zip.read(zip.get('a/deflated')!);
      assert.equal(d.length, 256 * 50);
      assert.ok(d.every((v, i) => v === i % 256));
      assert.equal(Buffer.from(zip.read(zip.get('a/zip64')!)).toString(), 'big?');
    });
  });
});
