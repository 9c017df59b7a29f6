import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cityscapesLut, getLabelSpace, IGNORE_INDEX, LABEL_SPACE_NAMES, nativeMapping, UNKNOWN_ID, VKITTI_CATEGORIES } from '../../src/data/label-spaces.js';

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

test('errors name the label space and what is possible', () => {
  assert.deepEqual(LABEL_SPACE_NAMES, ['vkitti', 'vkitti-kitti']);
  assert.throws(() => getLabelSpace('cityscapes'), /unknown label space "cityscapes"; known: vkitti, vkitti-kitti/);
  assert.throws(
    () => nativeMapping('vkitti', 'cityscapes'),
    /"vkitti" has no mapping from cityscapes labels; usable label spaces for cityscapes: vkitti-kitti/,
  );
});
