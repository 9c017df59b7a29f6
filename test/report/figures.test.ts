import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { colorize, ERROR_COLORS, errorMap, overlay, type Palette, toRgb } from '../../src/report/colorize.js';
import { composeGrid, exampleRow, writeExampleGrid } from '../../src/report/figures.js';
import { syntheticExample } from './fake-run.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const palette: Palette = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];

const pixel = (buf: Uint8Array, width: number, x: number, y: number) => Array.from(buf.subarray(3 * (y * width + x), 3 * (y * width + x) + 3));

describe('colorize / overlay / errorMap', () => {
  it('maps classes to palette colours and 255 to black', () => {
    assert.deepEqual(Array.from(colorize([0, 2, 255, 1], palette)), [255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0]);
  });

  it('alpha-blends and leaves ignored pixels untouched', () => {
    const img = Uint8Array.from([100, 100, 100, 10, 20, 30]);
    assert.deepEqual(Array.from(overlay(img, [0, 255], palette, 0.5)), [178, 50, 50, 10, 20, 30]);
    assert.throws(() => overlay(img, [0], palette), /6 bytes/);
  });

  it('error map colours correct / wrong / ignored', () => {
    const e = errorMap([1, 1, 255], [1, 2, 0]);
    assert.deepEqual(
      [pixel(e, 3, 0, 0), pixel(e, 3, 1, 0), pixel(e, 3, 2, 0)],
      [[...ERROR_COLORS.correct], [...ERROR_COLORS.wrong], [...ERROR_COLORS.ignored]],
    );
  });

  it('parses colours and names bad ones', () => {
    assert.deepEqual(toRgb('#80ff00'), [128, 255, 0]);
    assert.throws(() => toRgb('red'), /"red"/);
  });
});

describe('grid figures', () => {
  it('lays rows out at the expected size with gaps and exact mask colours', async () => {
    const ex = { image: new Uint8Array(20 * 10 * 3).fill(200), label: new Uint8Array(200).fill(1), pred: new Uint8Array(200).fill(1), width: 20, height: 10 };
    ex.pred[0] = 2; // one wrong pixel at (0,0)
    const row = exampleRow(ex, palette);
    assert.equal(row.length, 4);
    const g = await composeGrid([row, row], { tileWidth: 40, gap: 2, background: [255, 255, 255] });
    assert.equal(g.width, 4 * 40 + 5 * 2);
    assert.equal(g.height, 2 * 20 + 3 * 2);
    assert.deepEqual(pixel(g.data, g.width, 0, 0), [255, 255, 255]); // border gap
    assert.deepEqual(pixel(g.data, g.width, 2 + 42 + 5, 2 + 5), [0, 255, 0]); // gt tile: class 1
    assert.deepEqual(pixel(g.data, g.width, 2 + 2 * 42, 2), [0, 0, 255]); // pred tile, wrong pixel, nearest-scaled
    assert.deepEqual(pixel(g.data, g.width, 2 + 3 * 42 + 1, 2 + 1), [...ERROR_COLORS.wrong]); // error tile
    assert.deepEqual(pixel(g.data, g.width, 2 + 3 * 42 + 20, 2 + 10), [...ERROR_COLORS.correct]);
  });

  it('without ground truth a row is image | prediction | overlay', () => {
    assert.equal(exampleRow(syntheticExample(30, 10, 1, false), palette).length, 3);
  });

  it('writes a PNG of the composed size', async () => {
    const file = path.join(dir, 'figs', 'grid.png');
    const g = await writeExampleGrid(file, [syntheticExample(124, 38, 3)], palette.concat(Array(10).fill([9, 9, 9])), { tileWidth: 200, gap: 4 });
    const meta = await sharp(file).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, g.width);
    assert.equal(meta.height, g.height);
    assert.equal(g.width, 4 * 200 + 5 * 4);
    assert.equal(g.height, Math.round((38 * 200) / 124) + 2 * 4);
  });
});
