// Shared pieces of the experiment tests: a two-step run config on a tiny tree, and a temp folder removed after.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeYaml } from '../e2e/cli.js';

/** Writes `<dir>/base.yaml`: two steps of DeepLabV3-ResNet-18 on 32-pixel crops of the vkitti1 tree `data` (data.val on it too). */
export function tinyBase(dir: string, data: string): string {
  return writeYaml(path.join(dir, 'base.yaml'), {
    model: { name: 'deeplabv3_resnet18' },
    data: {
      train: { layout: 'vkitti1', root: data, labelSpace: 'vkitti-kitti' },
      val: { layout: 'vkitti1', root: data, labelSpace: 'vkitti-kitti' },
    },
    transforms: { scale: [1, 1], crop: 32, flip: false },
    train: { batchSize: 2, seed: 3, threads: 1, phases: [{ steps: 2, outputStride: 16 }], valEvery: 0, checkpointEvery: 0, logEvery: 1 },
  });
}

/** Runs `fn` in a fresh temp folder and removes the folder afterwards, whatever `fn` does. */
export async function inTempDir<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-exp-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
