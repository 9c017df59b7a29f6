import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerSynthCommand } from '../../src/cli/synth.js';
import { decode, listFiles, tempDir } from './util.js';

function program(): Command {
  const p = new Command('shapeseg');
  p.exitOverride();
  p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerSynthCommand(p);
  return p;
}

test('shapeseg synth writes a dataset', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await program().parseAsync(
      [
        'synth',
        '--out',
        dir,
        '--layout',
        'vkitti2',
        '--frames',
        '2',
        '--worlds',
        '0002,0020',
        '--variations',
        'clone,30-deg-right',
        '--size',
        '40x130',
        '--style',
        'shifted',
        '--seed',
        '5',
        '--no-progress',
      ],
      { from: 'user' },
    );
    const files = listFiles(dir);
    assert.equal(files.length, 2 * 2 * (2 * 2 + 1)); // per (world, variation): 2 frames x 2 files + colors.txt
    assert.ok(files.includes('Scene20/30-deg-right/frames/rgb/Camera_0/rgb_00001.jpg'));
    const img = await decode(path.join(dir, 'Scene02/clone/frames/classSegmentation/Camera_0/classgt_00000.png'));
    assert.deepEqual([img.height, img.width], [40, 130]);
  } finally {
    cleanup();
  }
});

test('shapeseg synth rejects bad arguments with the flag or field named', async () => {
  await assert.rejects(program().parseAsync(['synth', '--out', '/tmp/never', '--size', '40by130'], { from: 'user' }), /--size/);
  await assert.rejects(program().parseAsync(['synth', '--out', '/tmp/never', '--frames', 'x'], { from: 'user' }), /--frames/);
  await assert.rejects(program().parseAsync(['synth', '--out', '/tmp/never', '--worlds', '0001,0003'], { from: 'user' }), /worlds\.1.*0003/);
});
