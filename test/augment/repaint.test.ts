// augment.repaint: class regions painted over with random simple textures by the label map. Each family's pattern
// from a hand-written table, labels and ignored pixels kept, p and regions honoured, seeded, and the config section.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawRepaintTable, paintRegions, REPAINT_FAMILIES, RegionRepaint, TABLE_COLUMN, TABLE_WIDTH } from '../../src/augment/repaint.js';
import { parseConfig } from '../../src/config/index.js';
import { AugmentConfigSchema } from '../../src/config/schema.js';
import { Rng } from '../../src/data/rng.js';
import * as T from '../../src/tensor/index.js';

const H = 8;
const W = 8;
const values = (t: T.Tensor): number[] => Array.from(t.flatten().toArray() as ArrayLike<number | bigint>, Number);

/** One region row: family, colours a and b, direction angle, period, noise, on. */
function row(family: (typeof REPAINT_FAMILIES)[number], a: number[], b: number[], angle: number, period: number, on = 1): number[] {
  const r = new Array<number>(TABLE_WIDTH).fill(0);
  r[TABLE_COLUMN.family + REPAINT_FAMILIES.indexOf(family)] = 1;
  for (let j = 0; j < 3; j++) {
    r[TABLE_COLUMN.a + j] = a[j]!;
    r[TABLE_COLUMN.b + j] = b[j]!;
  }
  r[TABLE_COLUMN.cos] = Math.cos(angle);
  r[TABLE_COLUMN.sin] = Math.sin(angle);
  r[TABLE_COLUMN.invPeriod] = 1 / period;
  r[TABLE_COLUMN.on] = on;
  return r;
}

/** Channel 0 of image n as rows of W values. */
const red = (x: T.Tensor, n: number): number[][] => {
  const v = values(x.select(0, n).select(0, 0));
  return Array.from({ length: H }, (_, y) => v.slice(y * W, (y + 1) * W));
};

test('paintRegions: flat, stripes, checker and gradient as drawn; a region that is off and ignored pixels keep their values', () => {
  // image 0: class 0 left of column 4, class 1 right; row 0 ignored. images 1-2: class 0 everywhere.
  const labels = T.tensor(
    Array.from({ length: 3 * H * W }, (_, i) => {
      const n = Math.floor(i / (H * W));
      const y = Math.floor((i % (H * W)) / W);
      const x = i % W;
      return n === 0 ? (y === 0 ? 255 : x < 4 ? 0 : 1) : 0;
    }),
    [3, H, W],
    { dtype: 'int64' },
  );
  const x = T.full([3, 3, H, W], 0.5);
  const k = 2;
  const table = [
    row('flat', [0.1, 0.2, 0.3], [0.9, 0.9, 0.9], 0, 4), // image 0, class 0
    row('stripes', [0, 0, 0], [1, 1, 1], 0, 4, 0), // image 0, class 1: off
    row('stripes', [0, 0, 0], [1, 1, 1], 0, 4), // image 1, class 0: vertical stripes 2 px wide
    row('flat', [0, 0, 0], [0, 0, 0], 0, 4), // image 1, class 1 (absent)
    row('checker', [0, 0, 0], [1, 1, 1], 0, 4), // image 2, class 0
    row('flat', [0, 0, 0], [0, 0, 0], 0, 4),
  ].flat();
  const out = paintRegions(x, labels, k, table);
  const img0 = red(out, 0);
  assert.deepEqual(img0[0], new Array(W).fill(0.5), 'ignored row kept');
  for (let y = 1; y < H; y++) {
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(img0[y]![c]! - 0.1) < 1e-6, 'flat region: colour a');
    for (let c = 4; c < W; c++) assert.equal(img0[y]![c], 0.5, 'region that is off: unchanged');
  }
  const stripes = red(out, 1);
  for (let y = 0; y < H; y++) assert.deepEqual(stripes[y], stripes[0], 'vertical stripes: every row alike');
  const s0 = stripes[0]!;
  assert.deepEqual(
    s0.map((v, c) => v === s0[c ^ 1]),
    new Array(W).fill(true),
    'stripes: pairs of columns',
  );
  assert.ok(s0.every((v) => v === 0 || v === 1) && s0[0] !== s0[2], 'two colours alternating every 2 px');
  const checker = red(out, 2);
  assert.ok(checker.flat().every((v) => v === 0 || v === 1));
  assert.equal(checker[0]![0], checker[4]![4], 'checker: repeats every 2 periods along the diagonal');
  assert.notEqual(checker[0]![0], checker[0]![4], 'checker: alternates every period along a row');
  assert.notEqual(checker[0]![0], checker[4]![0], 'checker: alternates every period down a column');
  const grad = paintRegions(T.full([1, 3, H, W], 0.5), T.zeros([1, H, W], { dtype: 'int64' }), 1, row('gradient', [0, 0, 0], [1, 1, 1], 0, 2))
    .select(0, 0)
    .select(0, 0);
  const g = values(grad).slice(0, W);
  for (let c = 1; c < W; c++) assert.ok(g[c]! > g[c - 1]!, `gradient rises along its direction: ${g}`);
  assert.throws(() => paintRegions(x, labels, k, [1, 2]), /a table of 2 values for 6 regions/);
});

test('RegionRepaint: labels untouched, p 0 and regions 0 leave the batch as it is, seeded draws repeat, every family drawn', () => {
  T.manualSeed(3);
  const x = T.rand([4, 3, H, W]);
  const labels = T.randint(0, 3, [4, H, W]);
  const before = values(labels);
  const opts = { p: 1, regions: 1, period: [3, 40] as [number, number], noise: 0.05, numClasses: 3 };
  assert.equal(new RegionRepaint({ ...opts, p: 0 }).apply(x, labels), x, 'p 0: the input itself');
  assert.deepEqual(values(new RegionRepaint({ ...opts, regions: 0 }).apply(x, labels)), values(x), 'regions 0: unchanged');
  T.manualSeed(4);
  const a = values(new RegionRepaint(opts).apply(x, labels));
  T.manualSeed(4);
  assert.deepEqual(values(new RegionRepaint(opts).apply(x, labels)), a, 'same seed, same images');
  assert.deepEqual(values(labels), before, 'labels unchanged');
  const xs = values(x);
  assert.ok(a.filter((v, i) => v !== xs[i]).length > 0.95 * a.length, 'every region repainted');
  const seen = new Set<number>();
  const table = drawRepaintTable(50, 3, new Array(50).fill(true), opts, new Rng(1, 2));
  for (let r = 0; r < 150; r++) for (let f = 0; f < REPAINT_FAMILIES.length; f++) if (table[r * TABLE_WIDTH + TABLE_COLUMN.family + f] === 1) seen.add(f);
  assert.equal(seen.size, REPAINT_FAMILIES.length);
  assert.throws(() => new RegionRepaint({ ...opts, numClasses: undefined }), /repaint: needs the number of classes/);
});

test('augment.repaint: defaults, refused values named, and an image-level method for auxiliary BatchNorm', () => {
  const cfg = AugmentConfigSchema.parse({ repaint: {} });
  assert.deepEqual(cfg.repaint, { p: 1, regions: 1, period: [3, 40], noise: 0.05 });
  assert.throws(() => AugmentConfigSchema.parse({ repaint: { period: [40, 3] } }), /period/);
  assert.throws(() => AugmentConfigSchema.parse({ repaint: { colours: 2 } }), /colours/);
  const data = { train: { layout: 'kitti', root: '/nonexistent', labelSpace: 'vkitti-kitti' } };
  assert.equal(parseConfig({ data, augment: { repaint: {}, fraction: 0.5, auxBatchNorm: true } }).augment.auxBatchNorm, true);
  assert.throws(() => parseConfig({ data, augment: { repaint: { regions: 2 } } }), /augment\.repaint\.regions/);
});
