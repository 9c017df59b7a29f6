import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ColorDecoder, parseColorTable } from '../../src/data/color-table.js';
import { nativeMapping } from '../../src/data/label-spaces.js';
import { noise } from './fixtures.js';

const TABLE = 'Category(:id) r g b\nTerrain 210 0 200\nSky 90 200 255\nCar:0 200 200 200\nCar:1 201 200 200\nVan:3 0 139 139\n';

test('parses VKITTI colour tables, instance suffixes dropped', () => {
  const e = parseColorTable(TABLE, 't.txt');
  assert.deepEqual(
    e.map((x) => [x.category, x.raw, [...x.rgb], x.line]),
    [
      ['Terrain', 'Terrain', [210, 0, 200], 2],
      ['Sky', 'Sky', [90, 200, 255], 3],
      ['Car', 'Car:0', [200, 200, 200], 4],
      ['Car', 'Car:1', [201, 200, 200], 5],
      ['Van', 'Van:3', [0, 139, 139], 6],
    ],
  );
  assert.throws(
    () => parseColorTable('Name r g b\n', 'x.txt'),
    /x\.txt:1: expected a header line "Category\(:id\) r g b" or "Category r g b", got "Name r g b"/,
  );
  assert.throws(
    () => parseColorTable('Category r g b\nSky 1 2 300\n', 'x.txt'),
    /x\.txt:2: expected "Category r g b" or "Category:instance r g b" with r,g,b in 0\.\.255/,
  );
  assert.throws(() => parseColorTable('Category(:id) r g b\nSky 1 2 3\nCar: 1 2 3\n', 'x.txt'), /x\.txt:3: expected .*got "Car: 1 2 3"/);
  assert.throws(() => parseColorTable('Category(:id) r g b\nCar:1 1 2 3 4\n', 'x.txt'), /x\.txt:2: /);
  const m = nativeMapping('vkitti', 'vkitti');
  assert.throws(() => new ColorDecoder(parseColorTable('Category r g b\nSkyy 1 2 3\n', 'x.txt'), m, 'x.txt'), /x\.txt:2: unknown category "Skyy"/);
  assert.throws(
    () => new ColorDecoder(parseColorTable('Category r g b\nSky 1 2 3\nRoad 1 2 3\n', 'x.txt'), m, 'x.txt'),
    /colour 1,2,3 is both Sky \(line 2\) and Road \(line 3\)/,
  );
});

test('tolerates CRLF, tabs, runs of spaces, trailing whitespace, a byte-order mark and blank lines', () => {
  const messy = '\uFEFFCategory(:id)\tr g b \r\n\r\nTerrain\t210\t0\t200\r\nCar:12  200 200 200  \r\n\r\n';
  const e = parseColorTable(messy, 'm.txt');
  assert.deepEqual(
    e.map((x) => [x.category, x.raw, [...x.rgb], x.line]),
    [
      ['Terrain', 'Terrain', [210, 0, 200], 3],
      ['Car', 'Car:12', [200, 200, 200], 4],
    ],
  );
  assert.deepEqual(
    parseColorTable('Category r g b\nUndefined 0 0 0', 'c.txt').map((x) => x.category),
    ['Undefined'],
  );
});

test('decodes exactly like a naive Map lookup, unknown colours error or map to 255', () => {
  const entries = parseColorTable(TABLE, 't.txt');
  const m = nativeMapping('vkitti-kitti', 'vkitti');
  const dec = new ColorDecoder(entries, m, 't.txt');
  const w = 7;
  const h = 5;
  const rgb = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) Buffer.from(entries[(i * 7) % entries.length]!.rgb).copy(rgb, i * 3);
  const got = dec.decode(rgb, w, h, 'l.png', 'error');
  for (let i = 0; i < w * h; i++) assert.equal(got[i], m.get(entries[(i * 7) % entries.length]!.category));
  assert.deepEqual([...new Set(got)].sort(), [6, 7, 8]);
  rgb[3 * (2 * w + 4)] = 1; // pixel (4, 2)
  assert.throws(() => dec.decode(rgb, w, h, 'l.png', 'error'), /l\.png: pixel \(x=4, y=2\) has colour \(1, 200, 255\) that is not in the colour table t\.txt/);
  const ign = dec.decode(rgb, w, h, 'l.png', 'ignore');
  assert.equal(ign[2 * w + 4], 255);
  assert.equal(ign[2 * w + 3], got[2 * w + 3]);
});

test('a 375x1242 label with hundreds of instance colours decodes like a naive Map lookup (speed: bench/pipeline.ts)', () => {
  const entries = [...parseColorTable(TABLE, 't.txt')];
  // many instance colours like a real VKITTI sequence
  for (let k = 0; k < 300; k++) entries.push({ category: 'Car', raw: `Car:${k}`, rgb: [k & 255, 17, k >> 8], line: 0 });
  const dec = new ColorDecoder(entries, nativeMapping('vkitti', 'vkitti'), 't.txt');
  const w = 1242;
  const h = 375;
  const rgb = Buffer.alloc(w * h * 3);
  const pick = noise(w * h, 3);
  // runs of 1..8 equal pixels, drawn from all entries (worse than real labels, which have long runs)
  for (let i = 0; i < w * h; i++) Buffer.from(entries[pick[i - (i % ((pick[i]! & 7) + 1))]! % entries.length]!.rgb).copy(rgb, i * 3);
  const got = dec.decode(rgb, w, h, 'l.png', 'error');
  const byColour = new Map(entries.map((e) => [e.rgb.join(','), nativeMapping('vkitti', 'vkitti').get(e.category)]));
  for (let i = 0; i < w * h; i++) assert.equal(got[i], byColour.get(`${rgb[3 * i]},${rgb[3 * i + 1]},${rgb[3 * i + 2]}`), `pixel ${i}`);
});
