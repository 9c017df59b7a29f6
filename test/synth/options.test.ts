import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDataset } from '../../src/synth/generate.js';
import { parseSynthOptions, type SynthOptions, SynthOptionsError } from '../../src/synth/options.js';
import { tempDir } from './util.js';

function rejects(opts: unknown, field: string, ...fragments: string[]): void {
  assert.throws(
    () => parseSynthOptions(opts as SynthOptions),
    (e: unknown) => {
      assert.ok(e instanceof SynthOptionsError, String(e));
      assert.equal(e.field, field);
      assert.ok(e.message.includes(`"${field}"`), e.message);
      for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" lacks "${f}"`);
      return true;
    },
  );
}

test('bad options throw naming the field and value', () => {
  rejects({ out: '/tmp/x', frames: 0 }, 'frames', '0');
  rejects({ out: '/tmp/x', frames: 1.5 }, 'frames', '1.5');
  rejects({ out: '/tmp/x', worlds: ['0001', '9999'] }, 'worlds.1', '9999');
  rejects({ out: '/tmp/x', variations: ['clone', 'clone'] }, 'variations', 'duplicate');
  rejects({ out: '/tmp/x', layout: 'ade20k' }, 'layout', 'ade20k');
  rejects({ out: '/tmp/x', layout: 'cityscapes', split: 'test' }, 'split', 'test');
  rejects({ out: '/tmp/x', layout: 'kitti', split: 'val' }, 'split', 'only the cityscapes layout');
  rejects({ out: '/tmp/x', style: 'weird' }, 'style', 'weird');
  rejects({ out: '' }, 'out');
  rejects({ out: '/tmp/x', width: 8 }, 'width', '8');
  rejects({ out: '/tmp/x', onProgress: 3 }, 'onProgress');
  assert.throws(() => parseSynthOptions({ out: '/tmp/x', frame: 3 } as unknown as SynthOptions), /frame/);
});

test('defaults are the full KITTI size and one clone sequence', () => {
  const o = parseSynthOptions({ out: '/tmp/x' });
  assert.equal(o.height, 375);
  assert.equal(o.width, 1242);
  assert.deepEqual(o.worlds, ['0001']);
  assert.deepEqual(o.variations, ['clone']);
  assert.equal(o.layout, 'vkitti1');
  assert.equal(o.style, 'default');
});

test('progress reports every file and ends at the total', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const calls: Array<[number, number]> = [];
    const res = await generateDataset({ out: dir, layout: 'vkitti1', frames: 3, height: 32, width: 104, onProgress: (d, t) => calls.push([d, t]) });
    const total = 3 * 2 + 1;
    assert.equal(res.files, total);
    assert.deepEqual(calls[0], [0, total]);
    assert.deepEqual(calls.at(-1), [total, total]);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i]![0] >= calls[i - 1]![0]);
  } finally {
    cleanup();
  }
});
