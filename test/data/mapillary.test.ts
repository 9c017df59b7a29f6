// Mapillary Vistas trees written as the publisher documents them (the releases' README and demo.py, the label
// list of config.json / config_v1.2.json; docs/datasets.md), independently of src/synth and of the reader: v1.2
// labels are 8-bit palette PNGs whose index is the position in the config's label list. Both releases list and
// load with RobustNet's 19-class mapping (by index, as RobustNet writes it) in cityscapes19 and synthia16.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { Dataset } from '../../src/data/dataset.js';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import { openDataset } from '../../src/data/open.js';
import { type DataConfigInput, DataConfigSchema } from '../../src/data/schema.js';
import { noise, rmTmp, tmpDir, writePng } from './fixtures.js';
import { writeEncodedPng } from './png-writer.js';

type RGB = [number, number, number];

/** config_v1.2.json's `labels`, in order: [name, readable, colour] (the list datumaro and mmsegmentation quote). */
const V12: [string, string, RGB][] = [
  ['animal--bird', 'Bird', [165, 42, 42]],
  ['animal--ground-animal', 'Ground Animal', [0, 192, 0]],
  ['construction--barrier--curb', 'Curb', [196, 196, 196]],
  ['construction--barrier--fence', 'Fence', [190, 153, 153]],
  ['construction--barrier--guard-rail', 'Guard Rail', [180, 165, 180]],
  ['construction--barrier--other-barrier', 'Barrier', [90, 120, 150]],
  ['construction--barrier--wall', 'Wall', [102, 102, 156]],
  ['construction--flat--bike-lane', 'Bike Lane', [128, 64, 255]],
  ['construction--flat--crosswalk-plain', 'Crosswalk - Plain', [140, 140, 200]],
  ['construction--flat--curb-cut', 'Curb Cut', [170, 170, 170]],
  ['construction--flat--parking', 'Parking', [250, 170, 160]],
  ['construction--flat--pedestrian-area', 'Pedestrian Area', [96, 96, 96]],
  ['construction--flat--rail-track', 'Rail Track', [230, 150, 140]],
  ['construction--flat--road', 'Road', [128, 64, 128]],
  ['construction--flat--service-lane', 'Service Lane', [110, 110, 110]],
  ['construction--flat--sidewalk', 'Sidewalk', [244, 35, 232]],
  ['construction--structure--bridge', 'Bridge', [150, 100, 100]],
  ['construction--structure--building', 'Building', [70, 70, 70]],
  ['construction--structure--tunnel', 'Tunnel', [150, 120, 90]],
  ['human--person', 'Person', [220, 20, 60]],
  ['human--rider--bicyclist', 'Bicyclist', [255, 0, 0]],
  ['human--rider--motorcyclist', 'Motorcyclist', [255, 0, 100]],
  ['human--rider--other-rider', 'Other Rider', [255, 0, 200]],
  ['marking--crosswalk-zebra', 'Lane Marking - Crosswalk', [200, 128, 128]],
  ['marking--general', 'Lane Marking - General', [255, 255, 255]],
  ['nature--mountain', 'Mountain', [64, 170, 64]],
  ['nature--sand', 'Sand', [230, 160, 50]],
  ['nature--sky', 'Sky', [70, 130, 180]],
  ['nature--snow', 'Snow', [190, 255, 255]],
  ['nature--terrain', 'Terrain', [152, 251, 152]],
  ['nature--vegetation', 'Vegetation', [107, 142, 35]],
  ['nature--water', 'Water', [0, 170, 30]],
  ['object--banner', 'Banner', [255, 255, 128]],
  ['object--bench', 'Bench', [250, 0, 30]],
  ['object--bike-rack', 'Bike Rack', [100, 140, 180]],
  ['object--billboard', 'Billboard', [220, 220, 220]],
  ['object--catch-basin', 'Catch Basin', [220, 128, 128]],
  ['object--cctv-camera', 'CCTV Camera', [222, 40, 40]],
  ['object--fire-hydrant', 'Fire Hydrant', [100, 170, 30]],
  ['object--junction-box', 'Junction Box', [40, 40, 40]],
  ['object--mailbox', 'Mailbox', [33, 33, 33]],
  ['object--manhole', 'Manhole', [100, 128, 160]],
  ['object--phone-booth', 'Phone Booth', [142, 0, 0]],
  ['object--pothole', 'Pothole', [70, 100, 150]],
  ['object--street-light', 'Street Light', [210, 170, 100]],
  ['object--support--pole', 'Pole', [153, 153, 153]],
  ['object--support--traffic-sign-frame', 'Traffic Sign Frame', [128, 128, 128]],
  ['object--support--utility-pole', 'Utility Pole', [0, 0, 80]],
  ['object--traffic-light', 'Traffic Light', [250, 170, 30]],
  ['object--traffic-sign--back', 'Traffic Sign (Back)', [192, 192, 192]],
  ['object--traffic-sign--front', 'Traffic Sign (Front)', [220, 220, 0]],
  ['object--trash-can', 'Trash Can', [140, 140, 20]],
  ['object--vehicle--bicycle', 'Bicycle', [119, 11, 32]],
  ['object--vehicle--boat', 'Boat', [150, 0, 255]],
  ['object--vehicle--bus', 'Bus', [0, 60, 100]],
  ['object--vehicle--car', 'Car', [0, 0, 142]],
  ['object--vehicle--caravan', 'Caravan', [0, 0, 90]],
  ['object--vehicle--motorcycle', 'Motorcycle', [0, 0, 230]],
  ['object--vehicle--on-rails', 'On Rails', [0, 80, 100]],
  ['object--vehicle--other-vehicle', 'Other Vehicle', [128, 64, 64]],
  ['object--vehicle--trailer', 'Trailer', [0, 0, 110]],
  ['object--vehicle--truck', 'Truck', [0, 0, 70]],
  ['object--vehicle--wheeled-slow', 'Wheeled Slow', [0, 0, 192]],
  ['void--car-mount', 'Car Mount', [32, 32, 32]],
  ['void--ego-vehicle', 'Ego Vehicle', [120, 10, 10]],
  ['void--unlabeled', 'Unlabeled', [0, 0, 0]],
];

/**
 * shachoi/RobustNet datasets/mapillary.py gen_id_to_ignore, as written there: v1.2 label id -> Cityscapes train id;
 * every other id is 255.
 */
const ROBUSTNET: Record<number, number> = {
  13: 0,
  24: 0,
  41: 0,
  2: 1,
  15: 1,
  17: 2,
  6: 3,
  3: 4,
  45: 5,
  47: 5,
  48: 6,
  50: 7,
  30: 8,
  29: 9,
  27: 10,
  19: 11,
  20: 12,
  21: 12,
  22: 12,
  55: 13,
  61: 14,
  54: 15,
  58: 16,
  57: 17,
  52: 18,
};

type Release = 'v1.2' | '2.0';

/** Mapillary image keys look like these (22 characters of [A-Za-z0-9_-], some starting with '-'). */
const KEYS = ['--jRsD9anHdGxv4ZOCQktA', 'M2kh294N9c72sICO990Uew', '_1Gn_xkw7sa_i9GU4mkxxQ'];

const configJson = (labels: [string, string, RGB][]): string =>
  JSON.stringify({ labels: labels.map(([name, readable, color]) => ({ color, name, readable })) }, null, 2);

/** Where `release` puts a split's v1.2 labels. */
const labelDir = (root: string, release: Release, split: string): string =>
  release === '2.0' ? path.join(root, split, 'v1.2', 'labels') : path.join(root, split, 'labels');

/**
 * Writes a Mapillary tree: v1.x (`config.json`, `<split>/{images,labels,instances}`) or 2.0 (`config_v1.2.json`,
 * `config_v2.0.json`, `<split>/images`, `<split>/{v1.2,v2.0}/labels`); `testing/` has images only. Labels are
 * palette PNGs with the config's colours as palette; 16-bit instance files hold id * 256 + instance.
 */
async function writeMapillary(root: string, release: Release, o: { width?: number; height?: number } = {}): Promise<Map<string, number[]>> {
  const { width = 9, height = 8 } = o;
  const out = new Map<string, number[]>();
  fs.mkdirSync(root, { recursive: true });
  if (release === '2.0') {
    fs.writeFileSync(path.join(root, 'config_v1.2.json'), configJson(V12));
    // the v2.0 list starts like v1.2 and then differs (124 labels); its labels must not be read
    fs.writeFileSync(
      path.join(root, 'config_v2.0.json'),
      configJson([...V12.slice(0, 2), ['construction--barrier--ambiguous', 'Ambiguous Barrier', [250, 170, 31]]]),
    );
  } else fs.writeFileSync(path.join(root, 'config.json'), configJson(V12));
  let seed = 0;
  for (const split of ['training', 'validation', 'testing']) {
    for (const key of KEYS) {
      seed++;
      fs.mkdirSync(path.join(root, split, 'images'), { recursive: true });
      await sharp(noise(width * height * 3, seed), { raw: { width, height, channels: 3 } })
        .jpeg()
        .toFile(path.join(root, split, 'images', `${key}.jpg`));
      if (split === 'testing') continue;
      const ids = Array.from({ length: width * height }, (_, i) => (i * 5 + seed) % V12.length);
      const palette = V12.map((l) => l[2]);
      writeEncodedPng(path.join(labelDir(root, release, split), `${key}.png`), { width, height, colorType: 3, bitDepth: 8, samples: ids, palette });
      const instances = ids.map((id) => id * 256 + (id === 55 ? 1 + (seed % 3) : 0));
      const instDir = release === '2.0' ? path.join(root, split, 'v1.2', 'instances') : path.join(root, split, 'instances');
      writeEncodedPng(path.join(instDir, `${key}.png`), { width, height, colorType: 0, bitDepth: 16, samples: instances });
      if (release === '2.0') {
        const v20 = ids.map((id) => (id * 7 + 3) % 124);
        const p20 = Array.from({ length: 124 }, (_, i): RGB => [i, i, 255 - i]);
        writeEncodedPng(path.join(root, split, 'v2.0', 'labels', `${key}.png`), { width, height, colorType: 3, bitDepth: 8, samples: v20, palette: p20 });
      }
      out.set(`${split}/${key}`, ids);
    }
  }
  return out;
}

const open = (cfg: Omit<DataConfigInput & { layout: 'mapillary' }, 'layout'>): Promise<Dataset> =>
  openDataset(DataConfigSchema.parse({ layout: 'mapillary', ...cfg }));

/** RobustNet's train id, then the class of that name in `space` (255 where RobustNet ignores or the space lacks it). */
function expected(ids: number[], space: string): number[] {
  const cityscapes = getLabelSpace('cityscapes19').classes;
  const classes = getLabelSpace(space).classes;
  return ids.map((id) => {
    const t = ROBUSTNET[id];
    const k = t === undefined ? -1 : classes.indexOf(cityscapes[t]!);
    return k < 0 ? 255 : k;
  });
}

describe('Mapillary Vistas (v1.2 labels) as published', () => {
  const roots: Record<Release, string> = { 'v1.2': '', '2.0': '' };
  const exps: Partial<Record<Release, Map<string, number[]>>> = {};
  before(async () => {
    for (const r of ['v1.2', '2.0'] as const) {
      roots[r] = tmpDir();
      exps[r] = await writeMapillary(roots[r], r);
    }
  });
  after(() => Object.values(roots).forEach(rmTmp));

  for (const release of ['v1.2', '2.0'] as const) {
    test(`${release} release: lists by key and loads every v1.2 label with RobustNet's mapping in cityscapes19 and synthia16`, async () => {
      for (const split of ['training', 'validation'] as const) {
        for (const labelSpace of ['cityscapes19', 'synthia16'] as const) {
          const ds = await open({ root: roots[release], split, labelSpace });
          assert.deepEqual(
            ds.list().map((r) => r.id),
            [...KEYS].sort(),
          );
          for (let i = 0; i < ds.length; i++) {
            const s = await ds.load(i);
            const ids = exps[release]!.get(`${split}/${s.id}`)!;
            assert.deepEqual([s.width, s.height], [9, 8]);
            assert.deepEqual([...s.label], expected(ids, labelSpace), `${split}/${s.id} in ${labelSpace}`);
          }
        }
      }
      const val = await open({ root: roots[release] });
      const labels = release === '2.0' ? 'validation/v1.2/labels' : 'validation/labels';
      assert.equal(val.fileList()[0], `validation/images/${KEYS[0]}.jpg\t${labels}/${KEYS[0]}.png`);
    });
  }

  test('every one of the 66 labels occurs in the fixture, and all 19 classes come out', async () => {
    const seen = new Set<number>();
    for (const ids of exps['v1.2']!.values()) for (const id of ids) seen.add(id);
    assert.equal(seen.size, 66);
    const classes = new Set<number>();
    const ds = await open({ root: roots['v1.2'], split: 'training' });
    for (let i = 0; i < ds.length; i++) for (const v of (await ds.load(i)).label) classes.add(v);
    assert.deepEqual(
      [...classes].sort((a, b) => a - b),
      [...Array(19).keys(), 255],
    );
  });

  test('the testing split has no public labels: refused, saying so', async () => {
    await assert.rejects(
      open({ root: roots['2.0'], split: 'testing' }),
      (e: Error) =>
        e.name === 'DataError' &&
        /^Mapillary Vistas split testing under .* has no public labels .* cannot be evaluated or trained on; use split: validation$/.test(e.message),
    );
  });

  test('a missing or foreign config, unpaired files and wrong label files are named', async () => {
    const root = tmpDir();
    try {
      await writeMapillary(root, 'v1.2');
      const config = path.join(root, 'config.json');
      fs.renameSync(config, `${config}.bak`);
      await assert.rejects(open({ root }), (e: Error) =>
        e.message.startsWith(`Mapillary Vistas config missing under ${root}: expected config_v1.2.json (2.0 release) or config.json (v1.x)`),
      );
      fs.writeFileSync(config, configJson([...V12.slice(0, 2), ['construction--barrier--ambiguous', 'Ambiguous Barrier', [250, 170, 31]]]));
      await assert.rejects(open({ root }), (e: Error) => {
        assert.equal(
          e.message,
          `${config}: not the v1.2 label list (66 labels): label 2 is "construction--barrier--ambiguous", expected "construction--barrier--curb" ` +
            '(3 labels in the file; shapeseg reads v1.2 labels only)',
        );
        return true;
      });
      fs.renameSync(`${config}.bak`, config);
      const labels = labelDir(root, 'v1.2', 'validation');
      fs.renameSync(labels, `${labels}.moved`);
      await assert.rejects(open({ root }), (e: Error) => {
        const v12 = path.join(root, 'validation', 'v1.2', 'labels');
        assert.equal(e.message, `Mapillary Vistas validation label directory: no ${v12} (2.0 release), and the v1.x directory missing: ${labels}`);
        return true;
      });
      fs.renameSync(`${labels}.moved`, labels);

      const images = path.join(root, 'validation', 'images');
      fs.renameSync(path.join(images, `${KEYS[1]}.jpg`), path.join(images, 'X.jpg'));
      await assert.rejects(open({ root }), (e: Error) => {
        assert.equal(
          e.message,
          `Mapillary Vistas validation images and labels do not pair up: image without a label ${labels}/<key>.png: ${images}/X.jpg; ` +
            `label without an image ${images}/<key>.jpg: ${labels}/${KEYS[1]}.png`,
        );
        return true;
      });
      fs.renameSync(path.join(images, 'X.jpg'), path.join(images, `${KEYS[1]}.jpg`));

      // an id past the 66 labels at pixel (2, 1); the colour rendering of a label; another size
      const ids = new Array(72).fill(13);
      ids[9 + 2] = 66;
      writeEncodedPng(path.join(labels, `${KEYS[0]}.png`), { width: 9, height: 8, colorType: 3, bitDepth: 8, samples: ids, palette: V12.map((l) => l[2]) });
      await writePng(path.join(labels, `${KEYS[1]}.png`), noise(9 * 8 * 3, 5), 9, 8, 3);
      writeEncodedPng(path.join(labels, `${KEYS[2]}.png`), {
        width: 8,
        height: 9,
        colorType: 3,
        bitDepth: 8,
        samples: new Array(72).fill(0),
        palette: [[0, 0, 0]],
      });
      const ds = await open({ root });
      const file = (k: string): string => path.join(labels, `${k}.png`);
      const at = (k: string): number => ds.list().findIndex((r) => r.id === k);
      await assert.rejects(ds.load(at(KEYS[0]!)), (e: Error) => {
        assert.equal(
          e.message,
          `${file(KEYS[0]!)}: pixel (x=2, y=1) has value 66, not a Mapillary Vistas v1.2 label id (0..65) (set unknownColor: 'ignore' to map such pixels to 255)`,
        );
        return true;
      });
      await assert.rejects(ds.load(at(KEYS[1]!)), (e: Error) =>
        e.message.startsWith(`label file ${file(KEYS[1]!)}: is a PNG of colour type RGB, 8 bits per sample;`),
      );
      await assert.rejects(ds.load(at(KEYS[2]!)), (e: Error) => e.message.startsWith(`label size 8x9 (${file(KEYS[2]!)}) differs from image size 9x8 (`));
      const lenient = await open({ root, unknownColor: 'ignore' });
      const s = await lenient.load(lenient.list().findIndex((r) => r.id === KEYS[0]));
      assert.deepEqual([s.label[11], s.label[0]], [255, 0]);
    } finally {
      rmTmp(root);
    }
  });
});
