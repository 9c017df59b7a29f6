import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CITYSCAPES_IDS,
  cityscapesLut,
  classIndices,
  getLabelSpace,
  IGNORE_INDEX,
  LABEL_SPACE_NAMES,
  nativeMapping,
  REPORTED_SUBSETS,
  reportedSubsets,
  SYNTHIA_IDS,
  SYNTHIA13_CLASSES,
  synthiaLut,
  UNKNOWN_ID,
  VKITTI_CATEGORIES,
} from '../../src/data/label-spaces.js';

test('vkitti space: 14 classes in VKITTI order, identity mapping, Undefined ignored', () => {
  const s = getLabelSpace('vkitti');
  assert.deepEqual(s.classes, [
    'Terrain',
    'Sky',
    'Tree',
    'Vegetation',
    'Building',
    'Road',
    'GuardRail',
    'TrafficSign',
    'TrafficLight',
    'Pole',
    'Misc',
    'Truck',
    'Car',
    'Van',
  ]);
  assert.equal(s.numClasses, 14);
  assert.equal(s.colors.length, 14);
  const m = nativeMapping('vkitti', 'vkitti');
  for (const [k, cls] of s.classes.entries()) assert.equal(m.get(cls), k);
  assert.equal(m.get('Undefined'), IGNORE_INDEX);
  assert.equal(m.size, VKITTI_CATEGORIES.length);
});

test('vkitti-kitti space: Cityscapes train-id order, VKITTI and Cityscapes-id mappings', () => {
  const s = getLabelSpace('vkitti-kitti');
  assert.deepEqual(s.classes, ['road', 'building', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky', 'car', 'truck']);
  const v = nativeMapping('vkitti-kitti', 'vkitti');
  const expect: Record<string, number> = {
    Road: 0,
    Building: 1,
    Pole: 2,
    TrafficLight: 3,
    TrafficSign: 4,
    Tree: 5,
    Vegetation: 5,
    Terrain: 6,
    Sky: 7,
    Car: 8,
    Van: 8,
    Truck: 9,
    GuardRail: 255,
    Misc: 255,
    Undefined: 255,
  };
  assert.deepEqual(Object.fromEntries(v), expect);
  const lut = cityscapesLut('vkitti-kitti');
  const ids: Record<number, number> = { 7: 0, 11: 1, 17: 2, 19: 3, 20: 4, 21: 5, 22: 6, 23: 7, 26: 8, 27: 9 };
  for (let id = 0; id <= 33; id++) assert.equal(lut[id], ids[id] ?? IGNORE_INDEX, `cityscapes id ${id}`);
  for (let id = 34; id < 256; id++) assert.equal(lut[id], UNKNOWN_ID);
});

// cityscapesScripts labels.py, columns name / id / trainId / color, ids 0..33 (license plate, id -1, is in no label image).
const LABELS_PY: readonly (readonly [string, number, number, readonly [number, number, number]])[] = [
  ['unlabeled', 0, 255, [0, 0, 0]],
  ['ego vehicle', 1, 255, [0, 0, 0]],
  ['rectification border', 2, 255, [0, 0, 0]],
  ['out of roi', 3, 255, [0, 0, 0]],
  ['static', 4, 255, [0, 0, 0]],
  ['dynamic', 5, 255, [111, 74, 0]],
  ['ground', 6, 255, [81, 0, 81]],
  ['road', 7, 0, [128, 64, 128]],
  ['sidewalk', 8, 1, [244, 35, 232]],
  ['parking', 9, 255, [250, 170, 160]],
  ['rail track', 10, 255, [230, 150, 140]],
  ['building', 11, 2, [70, 70, 70]],
  ['wall', 12, 3, [102, 102, 156]],
  ['fence', 13, 4, [190, 153, 153]],
  ['guard rail', 14, 255, [180, 165, 180]],
  ['bridge', 15, 255, [150, 100, 100]],
  ['tunnel', 16, 255, [150, 120, 90]],
  ['pole', 17, 5, [153, 153, 153]],
  ['polegroup', 18, 255, [153, 153, 153]],
  ['traffic light', 19, 6, [250, 170, 30]],
  ['traffic sign', 20, 7, [220, 220, 0]],
  ['vegetation', 21, 8, [107, 142, 35]],
  ['terrain', 22, 9, [152, 251, 152]],
  ['sky', 23, 10, [70, 130, 180]],
  ['person', 24, 11, [220, 20, 60]],
  ['rider', 25, 12, [255, 0, 0]],
  ['car', 26, 13, [0, 0, 142]],
  ['truck', 27, 14, [0, 0, 70]],
  ['bus', 28, 15, [0, 60, 100]],
  ['caravan', 29, 255, [0, 0, 90]],
  ['trailer', 30, 255, [0, 0, 110]],
  ['train', 31, 16, [0, 80, 100]],
  ['motorcycle', 32, 17, [0, 0, 230]],
  ['bicycle', 33, 18, [119, 11, 32]],
];

test('cityscapes19: the 19 train ids of labels.py in order, with its names and colours; every label id maps by its trainId', () => {
  const s = getLabelSpace('cityscapes19');
  const train = LABELS_PY.filter((l) => l[2] !== 255).sort((a, b) => a[2] - b[2]);
  const names = 'road,sidewalk,building,wall,fence,pole,traffic light,traffic sign,vegetation,terrain,sky,person,rider,car,truck,bus,train,motorcycle,bicycle';
  assert.deepEqual(s.classes, names.split(','));
  assert.deepEqual(
    s.classes,
    train.map((l) => l[0]),
  );
  assert.deepEqual(
    s.colors,
    train.map((l) => l[3]),
  );
  const lut = cityscapesLut('cityscapes19');
  for (const [name, id, trainId] of LABELS_PY) {
    assert.equal(CITYSCAPES_IDS[id], name, `id ${id}`);
    assert.equal(lut[id], trainId, `cityscapes id ${id} (${name})`);
  }
  for (let id = 34; id < 256; id++) assert.equal(lut[id], UNKNOWN_ID);
});

test('synthia16: cityscapes19 without terrain, truck and train; Cityscapes ids of those three are ignored', () => {
  const s = getLabelSpace('synthia16');
  const c19 = getLabelSpace('cityscapes19');
  const drop = new Set(['terrain', 'truck', 'train']);
  assert.deepEqual(
    s.classes,
    c19.classes.filter((c) => !drop.has(c)),
  );
  assert.deepEqual(
    s.colors,
    c19.colors.filter((_, k) => !drop.has(c19.classes[k]!)),
  );
  assert.equal(s.numClasses, 16);
  const lut = cityscapesLut('synthia16');
  for (const [name, id, trainId] of LABELS_PY) {
    const want: number = trainId === 255 || drop.has(name) ? IGNORE_INDEX : s.classes.indexOf(name);
    assert.equal(lut[id], want, `cityscapes id ${id} (${name})`);
  }
});

test('SYNTHIA ids map as the DA/DG loaders map them, into synthia16 and cityscapes19', () => {
  // DAFormer tools/convert_datasets/synthia.py id_to_trainid (19 classes) and the 16-class table of SYNTHIA loaders
  const to19: Record<number, number> = {
    3: 0,
    4: 1,
    2: 2,
    21: 3,
    5: 4,
    7: 5,
    15: 6,
    9: 7,
    6: 8,
    16: 9,
    1: 10,
    10: 11,
    17: 12,
    8: 13,
    18: 14,
    19: 15,
    20: 16,
    12: 17,
    11: 18,
  };
  const to16: Record<number, number> = { 3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 1: 9, 10: 10, 17: 11, 8: 12, 19: 13, 12: 14, 11: 15 };
  const l19 = synthiaLut('cityscapes19');
  const l16 = synthiaLut('synthia16');
  assert.equal(Object.keys(SYNTHIA_IDS).length, 23);
  for (let id = 0; id <= 22; id++) {
    assert.equal(l19[id], to19[id] ?? IGNORE_INDEX, `synthia id ${id} (${SYNTHIA_IDS[id]}) -> cityscapes19`);
    assert.equal(l16[id], to16[id] ?? IGNORE_INDEX, `synthia id ${id} (${SYNTHIA_IDS[id]}) -> synthia16`);
  }
  for (const id of [23, 255, 256, 1000, 65535]) {
    assert.equal(l19[id], UNKNOWN_ID);
    assert.equal(l16[id], UNKNOWN_ID);
  }
  assert.equal(l16.length, 65536);
  assert.deepEqual([SYNTHIA_IDS[13], SYNTHIA_IDS[14], SYNTHIA_IDS[22], SYNTHIA_IDS[0]], ['parking-slot', 'road-work', 'lanemarking', 'void']);
});

test('SYNTHIA13_CLASSES: synthia16 without wall, fence, pole, as indices of either space', () => {
  const s = getLabelSpace('synthia16');
  assert.deepEqual(
    SYNTHIA13_CLASSES,
    s.classes.filter((c) => !['wall', 'fence', 'pole'].includes(c)),
  );
  assert.deepEqual(classIndices('synthia16', SYNTHIA13_CLASSES), [0, 1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  assert.deepEqual(classIndices('cityscapes19', SYNTHIA13_CLASSES), [0, 1, 2, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18]);
  assert.throws(() => classIndices('vkitti-kitti', SYNTHIA13_CLASSES), /label space vkitti-kitti has no class "sidewalk"; its classes: road, building/);
});

test('VKITTI maps into cityscapes19 and synthia16 by class', () => {
  const m19 = nativeMapping('cityscapes19', 'vkitti');
  const m16 = nativeMapping('synthia16', 'vkitti');
  const c19 = getLabelSpace('cityscapes19').classes;
  const c16 = getLabelSpace('synthia16').classes;
  assert.equal(m19.get('Tree'), c19.indexOf('vegetation'));
  assert.equal(m19.get('Van'), c19.indexOf('car'));
  assert.equal(m19.get('Truck'), c19.indexOf('truck'));
  assert.equal(m19.get('GuardRail'), IGNORE_INDEX);
  assert.equal(m16.get('Truck'), IGNORE_INDEX);
  assert.equal(m16.get('Terrain'), IGNORE_INDEX);
  assert.equal(m16.get('Sky'), c16.indexOf('sky'));
});

test('errors name the label space and what is possible', () => {
  assert.deepEqual(LABEL_SPACE_NAMES, ['vkitti', 'vkitti-kitti', 'cityscapes19', 'synthia16']);
  assert.throws(() => getLabelSpace('cityscapes'), /unknown label space "cityscapes"; known: vkitti, vkitti-kitti, cityscapes19, synthia16/);
  assert.throws(
    () => nativeMapping('vkitti', 'cityscapes'),
    /"vkitti" has no mapping from cityscapes labels; usable label spaces for cityscapes: vkitti-kitti, cityscapes19, synthia16/,
  );
  assert.throws(
    () => synthiaLut('vkitti-kitti'),
    /"vkitti-kitti" has no mapping from synthia labels; usable label spaces for synthia: cityscapes19, synthia16/,
  );
});

test('reported subsets name classes of their label space: synthia16 reports mIoU13 without wall, fence, pole', () => {
  for (const [space, subsets] of Object.entries(REPORTED_SUBSETS)) {
    for (const [name, classes] of Object.entries(subsets)) {
      for (const c of classes) assert.ok(getLabelSpace(space).classes.includes(c), `${space}.${name}: ${c}`);
    }
  }
  const [sub] = reportedSubsets('synthia16');
  assert.equal(sub!.name, 'mIoU13');
  assert.deepEqual(
    getLabelSpace('synthia16').classes.filter((c) => !sub!.classes.includes(c)),
    ['wall', 'fence', 'pole'],
  );
  assert.deepEqual(reportedSubsets('cityscapes19'), []);
});
