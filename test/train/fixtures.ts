// Tiny KITTI-layout datasets (written with sharp) and run configs for trainer tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseConfig, type RunConfig } from '../../src/config/index.js';

/** Cityscapes ids that map into the vkitti-kitti label space: road, building, sky, car. */
const IDS = [7, 11, 23, 26];

/** Writes `n` images of w×h (stripes of classes, class-coloured noise) as <root>/training/{image_2,semantic}. */
export async function writeTinyKitti(root: string, n = 3, w = 32, h = 24): Promise<void> {
  const imgDir = path.join(root, 'training', 'image_2');
  const labDir = path.join(root, 'training', 'semantic');
  fs.mkdirSync(imgDir, { recursive: true });
  fs.mkdirSync(labDir, { recursive: true });
  for (let k = 0; k < n; k++) {
    const img = Buffer.alloc(w * h * 3);
    const lab = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const c = (Math.floor((y + k * 3) / 6) + (x > w / 2 ? 1 : 0)) % IDS.length;
        const i = y * w + x;
        lab[i] = IDS[c]!;
        for (let ch = 0; ch < 3; ch++) img[i * 3 + ch] = (60 * c + 40 * ch + ((x * 7 + y * 13 + k) % 23)) & 255;
      }
    }
    const stem = `${String(k).padStart(6, '0')}_10`;
    await sharp(img, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(path.join(imgDir, `${stem}.png`));
    await sharp(lab, { raw: { width: w, height: h, channels: 1 } })
      .png()
      .toFile(path.join(labDir, `${stem}.png`));
  }
}

/** A tiny ResNet-18 DeepLabV3 run on the tiny dataset: 4 steps at OS 16, then 2 at OS 8 with frozen BN. */
export function tinyConfig(dataRoot: string, train: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): RunConfig {
  const data = { layout: 'kitti', root: dataRoot, labelSpace: 'vkitti-kitti' };
  return parseConfig({
    name: 'tiny',
    model: { name: 'deeplabv3_resnet18', auxLoss: true },
    data: { train: data, val: { ...data, ids: ['000000_10', '000001_10'] } },
    transforms: { scale: [0.9, 1.2], crop: 24, flip: true },
    train: {
      batchSize: 2,
      seed: 7,
      threads: 1,
      phases: [
        { steps: 4, outputStride: 16, freezeBN: false },
        { steps: 2, outputStride: 8, freezeBN: true },
      ],
      schedule: { lr: 0.02, power: 0.9 },
      valEvery: 3,
      checkpointEvery: 3,
      keepLast: 2,
      logEvery: 1,
      ...train,
    },
    ...extra,
  });
}
