// readPngIndices gives the stored palette index / grey value of each pixel, as PIL's np.array(Image.open(f)) does
// (the reference the public Mapillary and GTA5 loaders use), and refuses PNGs that hold no ids, naming the file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { readPngIndices } from '../../src/data/png-index.js';
import { runPython, skipWithoutPythonModules } from '../helpers/python.js';
import { noise, rmTmp, tmpDir, writePng } from './fixtures.js';
import { encodePng, writeEncodedPng } from './png-writer.js';

// two colours for any number of entries: indices that share a colour must still come out apart
const palette = (n: number): [number, number, number][] => Array.from({ length: n }, (_, i) => (i % 2 ? [153, 153, 153] : [0, 0, 0]));

describe('readPngIndices', () => {
  let dir: string;
  before(() => {
    dir = tmpDir();
  });
  after(() => rmTmp(dir));

  test('palette PNGs of 1, 2, 4 and 8 bits and 8-bit grey, every filter type, several IDAT chunks', async () => {
    const width = 13;
    const height = 11;
    for (const [colorType, bitDepth] of [
      [3, 1],
      [3, 2],
      [3, 4],
      [3, 8],
      [0, 8],
    ] as const) {
      const max = 2 ** bitDepth;
      const samples = [...noise(width * height, bitDepth + colorType)].map((v) => v % max);
      const file = path.join(dir, `t${colorType}-${bitDepth}.png`);
      writeEncodedPng(file, { width, height, colorType, bitDepth, samples, palette: colorType === 3 ? palette(max) : undefined, idatSize: 17 });
      const r = await readPngIndices(file, 'label');
      assert.deepEqual([r.width, r.height, r.channels], [width, height, 1]);
      assert.deepEqual([...r.data], samples, `colour type ${colorType}, ${bitDepth} bits`);
    }
  });

  test('indices equal PIL np.array(Image.open(f)) for PIL-written palette (8 and 4 bits) and grey PNGs', {
    skip: skipWithoutPythonModules('PIL', 'numpy'),
  }, async () => {
    const out = runPython(
      `
import sys, json, numpy as np
from PIL import Image
d = sys.argv[1]
rng = np.random.default_rng(3)
res = {}
for name, mode, n, kw in [('p66', 'P', 66, {}), ('p16', 'P', 16, {'bits': 4}), ('grey', 'L', 256, {})]:
    a = rng.integers(0, n, size=(9, 21), dtype=np.uint8)
    im = Image.fromarray(a, mode='L')
    if mode == 'P':
        im = im.convert('P')
        im.putpalette([c for i in range(n) for c in (i, 255 - i, (i * 7) % 256)])
    im.save(f'{d}/{name}.png', **kw)
    res[name] = np.array(Image.open(f'{d}/{name}.png')).flatten().tolist()
print(json.dumps(res))
`,
      { args: [dir] },
    );
    const want = JSON.parse(out) as Record<string, number[]>;
    for (const [name, values] of Object.entries(want)) {
      const r = await readPngIndices(path.join(dir, `${name}.png`), 'label');
      assert.deepEqual([r.width, r.height], [21, 9]);
      assert.deepEqual([...r.data], values, name);
    }
  });

  test('refuses colour, 16-bit, interlaced, truncated, corrupt and non-PNG files, naming the file', async () => {
    const rgb = path.join(dir, 'rgb.png');
    await writePng(rgb, noise(4 * 3 * 3, 1), 4, 3, 3);
    const grey16 = path.join(dir, 'grey16.png');
    writeEncodedPng(grey16, { width: 2, height: 2, colorType: 0, bitDepth: 16, samples: [0, 300, 65535, 7] });
    const interlaced = path.join(dir, 'adam7.png');
    await sharp(noise(16 * 16, 2), { raw: { width: 16, height: 16, channels: 1 } })
      .toColourspace('b-w')
      .png({ progressive: true })
      .toFile(interlaced);
    const good = encodePng({ width: 5, height: 4, colorType: 3, bitDepth: 8, samples: new Array(20).fill(1), palette: palette(2) });
    const truncated = path.join(dir, 'truncated.png');
    fs.writeFileSync(truncated, good.subarray(0, good.length - 20));
    const badCrc = path.join(dir, 'crc.png');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 20]! ^= 0xff;
    fs.writeFileSync(badCrc, flipped);
    const text = path.join(dir, 'text.png');
    fs.writeFileSync(text, 'not a png');
    const cases: [string, RegExp][] = [
      [rgb, /is a PNG of colour type RGB, 8 bits per sample; expected class ids as an 8-bit palette PNG \(the index is the id\) or an 8-bit grey PNG$/],
      [grey16, /is a PNG of colour type grey, 16 bits per sample; expected class ids/],
      [interlaced, /is an interlaced \(Adam7\) PNG/],
      [truncated, /truncated PNG/],
      [badCrc, /IDAT chunk at byte \d+ has a wrong CRC/],
      [text, /not a PNG file \(no PNG signature\)/],
    ];
    // Node < 20.15 has no zlib.crc32, and the reader skips the CRC check there
    for (const [file, re] of cases.filter(([f]) => f !== badCrc || typeof zlib.crc32 === 'function')) {
      await assert.rejects(
        readPngIndices(file, 'label'),
        (e: Error) => e.name === 'DataError' && e.message.startsWith(`label file ${file}: `) && re.test(e.message),
      );
    }
    const absent = path.join(dir, 'absent.png');
    await assert.rejects(readPngIndices(absent, 'label'), (e: Error) => e.message === `label file missing: ${absent}`);
  });
});
