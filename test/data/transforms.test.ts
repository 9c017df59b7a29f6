import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Sample } from '../../src/data/dataset.js';
import { epochPermutation, Rng, sampleRng } from '../../src/data/rng.js';
import {
  ColorJitter,
  Compose,
  IMAGENET_MEAN_RGB,
  PlannedSample,
  RandomCrop,
  RandomHorizontalFlip,
  RandomScale,
  trainTransform,
} from '../../src/data/transforms.js';
import { skipWithoutPythonModules } from '../helpers/python.js';
import { noise, rmTmp, tmpDir } from './fixtures.js';

function sample(width: number, height: number, seed = 1, classes = [0, 3, 7, 255]): Sample {
  const lab = noise(width * height, seed + 99);
  for (let i = 0; i < lab.length; i++) lab[i] = classes[lab[i]! % classes.length]!;
  return { image: noise(width * height * 3, seed), label: lab, width, height, id: `s${seed}` };
}

/** An Rng whose draws are scripted (int -> fixed offsets, random -> fixed value). */
function scripted(o: { ints?: number[]; random?: number; uniform?: number }): Rng {
  const ints = [...(o.ints ?? [])];
  return { int: () => ints.shift() ?? 0, random: () => o.random ?? 0, uniform: (lo: number) => o.uniform ?? lo } as unknown as Rng;
}

test('epochPermutation and sample streams are pure functions of their keys', () => {
  const a = epochPermutation(7, 3, 50);
  assert.deepEqual(a, epochPermutation(7, 3, 50));
  assert.notDeepEqual(a, epochPermutation(7, 4, 50));
  assert.notDeepEqual(a, epochPermutation(8, 3, 50));
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.equal(sampleRng(1, 2, 3).nextU32(), sampleRng(1, 2, 3).nextU32());
  assert.notEqual(sampleRng(1, 2, 3).nextU32(), sampleRng(1, 2, 4).nextU32());
  assert.ok(
    Array.from({ length: 1000 }, () => 0).every((_, i) => {
      const r = new Rng(i).random();
      return r >= 0 && r < 1;
    }),
  );
});

test('trainTransform is deterministic for a key, differs across keys, crops to the size', () => {
  const s = sample(124, 38);
  const t = trainTransform({ scale: [1.4, 2.0], crop: 64, colorJitter: { brightness: 0.3, contrast: 0.3, saturation: 0.3, hue: 0.1 } });
  const a = t.apply(s, sampleRng(5, 0, 1));
  const b = t.apply(s, sampleRng(5, 0, 1));
  const c = t.apply(s, sampleRng(5, 1, 1));
  assert.deepEqual([a.width, a.height, a.image.length, a.label.length], [64, 64, 64 * 64 * 3, 64 * 64]);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.image, c.image);
});

test('crop pads images with the ImageNet mean and labels with 255 (bottom/right)', () => {
  const s = sample(10, 6);
  const out = new Compose([new RandomCrop([9, 16])]).apply(s, new Rng(1));
  assert.deepEqual([out.width, out.height], [16, 9]);
  for (let y = 0; y < 9; y++) {
    for (let x = 0; x < 16; x++) {
      const o = y * 16 + x;
      if (y < 6 && x < 10) {
        assert.deepEqual([...out.image.subarray(o * 3, o * 3 + 3)], [...s.image.subarray((y * 10 + x) * 3, (y * 10 + x) * 3 + 3)]);
        assert.equal(out.label[o], s.label[y * 10 + x]);
      } else {
        assert.deepEqual([...out.image.subarray(o * 3, o * 3 + 3)], [...IMAGENET_MEAN_RGB]);
        assert.equal(out.label[o], 255);
      }
    }
  }
  assert.deepEqual(IMAGENET_MEAN_RGB, [124, 116, 104]);
});

test('crop window is the drawn offset; flip mirrors image and label together', () => {
  const s = sample(20, 10);
  const crop = new Compose([new RandomCrop([4, 6])]).apply(s, scripted({ ints: [3, 5] }));
  const flip = new Compose([new RandomCrop([4, 6]), new RandomHorizontalFlip(1)]).apply(s, scripted({ ints: [3, 5] }));
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 6; x++) {
      const src = (y + 3) * 20 + x + 5;
      assert.deepEqual([...crop.image.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)], [...s.image.subarray(src * 3, src * 3 + 3)]);
      assert.equal(crop.label[y * 6 + x], s.label[src]);
      const m = y * 6 + (5 - x);
      assert.deepEqual([...flip.image.subarray(m * 3, m * 3 + 3)], [...crop.image.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)]);
      assert.equal(flip.label[m], crop.label[y * 6 + x]);
    }
  }
  const kept = new Compose([new RandomHorizontalFlip(0.5)]).apply(s, scripted({ random: 0.7 }));
  assert.deepEqual(kept, s);
});

test('scale stays in range, labels keep only their input values, crop-after-scale equals slicing the scaled image', () => {
  const s = sample(31, 17, 3, [1, 5, 9, 255]);
  const sizes = new Set<number>();
  for (let k = 0; k < 200; k++) {
    const o = new Compose([new RandomScale(1.4, 2.0)]).apply(s, sampleRng(0, 0, k));
    assert.ok(o.height >= Math.round(17 * 1.4) && o.height <= Math.round(17 * 2.0), `height ${o.height}`);
    assert.ok(o.width >= Math.round(31 * 1.4) && o.width <= Math.round(31 * 2.0), `width ${o.width}`);
    assert.equal(Math.abs(o.width / 31 - o.height / 17) < 0.1, true);
    sizes.add(o.width);
    for (const v of new Set(o.label)) assert.ok([1, 5, 9, 255].includes(v), `label value ${v}`);
  }
  assert.ok(sizes.size > 5);
  const full = new Compose([new RandomScale(1.7, 1.7)]).apply(s, new Rng(0));
  const cropped = new Compose([new RandomScale(1.7, 1.7), new RandomCrop([9, 13])]).apply(s, scripted({ uniform: 1.7, ints: [4, 7] }));
  for (let y = 0; y < 9; y++) {
    const src = (y + 4) * full.width + 7;
    assert.deepEqual(cropped.image.subarray(y * 13 * 3, (y + 1) * 13 * 3), full.image.subarray(src * 3, (src + 13) * 3));
    assert.deepEqual(cropped.label.subarray(y * 13, (y + 1) * 13), full.label.subarray(src, src + 13));
  }
});

test('a second RandomScale composes into one resampling; a scale after a crop resamples the crop', () => {
  const s = sample(12, 8);
  const twice = new Compose([new RandomScale(1.5, 1.5), new RandomScale(2, 2)]).apply(s, scripted({}));
  assert.deepEqual([twice.width, twice.height], [36, 24]);
  const after = new Compose([new RandomCrop(4), new RandomScale(2, 2)]).apply(s, scripted({}));
  assert.deepEqual([after.width, after.height], [8, 8]);
});

test('ColorJitter leaves labels alone and is deterministic', () => {
  const s = sample(16, 16);
  const t = new Compose([new ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 })]);
  const a = t.apply(s, new Rng(3));
  assert.deepEqual(a.label, s.label);
  assert.notDeepEqual(a.image, s.image);
  assert.deepEqual(a, t.apply(s, new Rng(3)));
});

test('bilinear (images) and nearest (labels) match torch interpolate / nearest-exact', { skip: skipWithoutPythonModules('torch', 'numpy') }, () => {
  const dir = tmpDir();
  try {
    const s = sample(23, 11, 9, [0, 1, 2, 3, 4, 5, 6, 7]);
    const outs = (
      [
        [33, 17],
        [20, 15],
        [46, 22],
      ] as const
    ).map(([w, h]) => {
      const p = new PlannedSample(s);
      p.scaledHeight = h;
      p.scaledWidth = w;
      p.rows = Int32Array.from({ length: h }, (_, i) => i);
      p.cols = Int32Array.from({ length: w }, (_, i) => i);
      return p.materialize();
    });
    fs.writeFileSync(path.join(dir, 'img.bin'), s.image);
    fs.writeFileSync(path.join(dir, 'lab.bin'), s.label);
    const py = `
import sys, torch, torch.nn.functional as F, numpy as np
d = sys.argv[1]
img = torch.from_numpy(np.fromfile(d + '/img.bin', dtype=np.uint8).reshape(1, 11, 23, 3)).permute(0, 3, 1, 2).float()
lab = torch.from_numpy(np.fromfile(d + '/lab.bin', dtype=np.uint8).reshape(1, 1, 11, 23)).float()
for i, (w, h) in enumerate([(33, 17), (20, 15), (46, 22)]):
    a = F.interpolate(img, size=(h, w), mode='bilinear', align_corners=False)
    a = torch.floor(a + 0.5).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    a.tofile(d + f'/img{i}.out')
    F.interpolate(lab, size=(h, w), mode='nearest-exact').to(torch.uint8).numpy().tofile(d + f'/lab{i}.out')
`;
    execFileSync('/usr/bin/python3', ['-c', py, dir]);
    outs.forEach((o, i) => {
      const ref = fs.readFileSync(path.join(dir, `img${i}.out`));
      let maxDiff = 0;
      for (let k = 0; k < ref.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ref[k]! - o.image[k]!));
      assert.ok(maxDiff <= 1, `image ${i}: max |diff| ${maxDiff}`); // float32 vs float64 rounding only
      assert.deepEqual(o.label, fs.readFileSync(path.join(dir, `lab${i}.out`)), `label ${i}`);
    });
  } finally {
    rmTmp(dir);
  }
});
