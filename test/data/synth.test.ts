// The synthetic generator (src/synth) writes all three layouts; every file it writes must load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDataset } from '../../src/data/open.js';
import { DataConfigSchema } from '../../src/data/schema.js';
import { skipIfMissing } from '../helpers/skip.js';
import { rmTmp, tmpDir } from './fixtures.js';

const synth = await import('../../src/synth/index.js').catch((e: Error) => e);
const skip = skipIfMissing(synth instanceof Error ? `src/synth unavailable: ${synth.message}` : null);

for (const [layout, labelSpace] of [
  ['vkitti1', 'vkitti'],
  ['vkitti2', 'vkitti'],
  ['kitti', 'vkitti-kitti'],
  ['vkitti1', 'vkitti-kitti'],
] as const) {
  test(`synth ${layout} output loads in the ${labelSpace} space`, { skip }, async () => {
    const { generateDataset } = synth as typeof import('../../src/synth/index.js');
    const root = tmpDir();
    try {
      await generateDataset({ out: root, layout, frames: 2, height: 24, width: 64, variations: ['clone', 'fog'] });
      const ds = await openDataset(DataConfigSchema.parse({ layout, root, labelSpace }));
      assert.equal(ds.length, 4);
      const seen = new Set<number>();
      for (let i = 0; i < ds.length; i++) {
        const s = await ds.load(i);
        assert.deepEqual([s.width, s.height, s.image.length], [64, 24, 64 * 24 * 3]);
        for (const v of s.label) seen.add(v);
      }
      for (const v of seen) assert.ok(v < ds.labelSpace.numClasses || v === 255, `label value ${v}`);
      assert.ok(seen.size >= 3, `only ${[...seen]} seen`);
    } finally {
      rmTmp(root);
    }
  });
}
