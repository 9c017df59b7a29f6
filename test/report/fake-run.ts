// Builds a plausible run folder (config.json, metrics.jsonl, eval/*.json, figures/*.png) in a temp dir.
import fs from 'node:fs';
import path from 'node:path';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import { computeMetrics } from '../../src/eval/metrics.js';
import { toEvalResultFile, writeEvalResult } from '../../src/eval/result-file.js';
import { type Example, writeExampleGrid } from '../../src/report/figures.js';

/** A tiny deterministic PRNG (mulberry32) so fixtures are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A synthetic street-like example: sky / building / road bands, a car box, a pole; the prediction is a shifted copy. */
export function syntheticExample(width: number, height: number, shift: number, withLabel = true): Example {
  const image = new Uint8Array(width * height * 3);
  const label = new Uint8Array(width * height);
  const pred = new Uint8Array(width * height);
  const cls = (x: number, y: number): number => {
    if (x > width * 0.2 && x < width * 0.22 && y > height * 0.2 && y < height * 0.7) return 2; // pole
    if (x > width * 0.55 && x < width * 0.8 && y > height * 0.55 && y < height * 0.85) return 8; // car
    if (y < height * 0.3) return 7; // sky
    if (y < height * 0.6) return 1; // building
    return 0; // road
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const c = cls(x, y);
      label[i] = y === height - 1 ? 255 : c;
      pred[i] = cls(x + shift, y);
      const base = [
        [110, 90, 110],
        [120, 120, 125],
        [90, 90, 90],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [150, 190, 230],
        [30, 40, 150],
      ][c] ?? [0, 0, 0];
      for (let k = 0; k < 3; k++) image[3 * i + k] = Math.min(255, base[k]! + ((x * 7 + y * 3 + k * 11) % 23));
    }
  }
  return { image, label: withLabel ? label : null, pred, width, height };
}

/** Options of one fake run. */
export interface FakeRunOptions {
  name: string;
  outputStride: 8 | 16;
  steps: number;
  finalMIoU: number;
  seed: number;
  /** Log perClass as an array (the trainer's format) instead of a name → IoU object. */
  perClassArray?: boolean;
}

/** Writes a run folder and returns its path. */
export async function writeFakeRun(root: string, o: FakeRunOptions): Promise<string> {
  const dir = path.join(root, o.name);
  const space = getLabelSpace('vkitti-kitti');
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  const config = {
    name: o.name,
    model: { name: 'deeplabv3_resnet50', numClasses: space.numClasses, auxLoss: false },
    data: {
      train: { dataset: 'vkitti', root: '/data/vkitti', labelSpace: space.name },
      val: { dataset: 'kitti', root: '/data/kitti', split: 'val', labelSpace: space.name },
    },
    train: { batchSize: 10, phases: [{ steps: o.steps, outputStride: o.outputStride, freezeBN: false }], schedule: { lr: 0.01, power: 0.9 } },
    eval: { outputStride: o.outputStride, scales: [1], flip: false },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'checkpoints', 'step-final.safetensors'), '');
  const rnd = prng(o.seed);
  const lines: string[] = [];
  const perClassAt = (m: number) => space.classes.map((_, k) => Math.max(0, Math.min(1, m + (k % 3 === 2 ? -0.25 : 0.1) + 0.05 * (rnd() - 0.5))));
  for (let step = 20; step <= o.steps; step += 20) {
    const t = step / o.steps;
    lines.push(
      JSON.stringify({
        step,
        phase: 0,
        loss: 1.6 * Math.exp(-3 * t) + 0.15 + 0.12 * (rnd() - 0.5),
        lr: 0.01 * (1 - t) ** 0.9 + 1e-6,
        imagesPerSec: 3 + 0.3 * rnd(),
        time: step,
      }),
    );
    if (step % 500 === 0) {
      const m = o.finalMIoU * (0.6 + 0.4 * t);
      const pcs = perClassAt(m);
      const perClass = o.perClassArray ? pcs : Object.fromEntries(space.classes.map((c, k) => [c, pcs[k]]));
      lines.push(JSON.stringify({ step, val: { mIoU: m, pixelAcc: 0.9, perClass } }));
    }
  }
  lines.push('{"step": 99999, "loss": 0.1'); // torn last line of a run still writing
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n'));
  // an eval over a made-up confusion matrix: diagonal-heavy, thin classes weaker
  const c = space.numClasses;
  const cm = new Float64Array(c * c);
  for (let t = 0; t < c; t++) {
    if (t === 3) continue; // no traffic light in gt or prediction -> n/a
    for (let p = 0; p < c; p++) if (p !== 3) cm[t * c + p] = t === p ? (t % 3 === 2 ? 300 : 1000) * o.finalMIoU : 20 + 10 * rnd();
  }
  const metrics = computeMetrics(cm);
  await writeEvalResult(
    path.join(dir, 'eval', 'kitti-val.json'),
    toEvalResultFile(metrics, cm, 1234, {
      checkpoint: path.join(dir, 'checkpoints', 'step-final.safetensors'),
      model: 'deeplabv3_resnet50',
      labelSpace: space.name,
      classNames: space.classes,
      data: { spec: 'kitti:/data/kitti', split: 'val', count: 40 },
      outputStride: o.outputStride,
      scales: [1],
      flip: false,
    }),
  );
  // a validation written during training: shown as a curve point, not as another per-class column
  const val = toEvalResultFile(metrics, cm, 1234, {
    checkpoint: null,
    labelSpace: space.name,
    classNames: space.classes,
    data: { spec: 'kitti:/data/kitti', split: 'val', count: 40 },
    outputStride: o.outputStride,
    scales: [1],
    flip: false,
  });
  await writeEvalResult(path.join(dir, 'eval', `step-${String(o.steps).padStart(8, '0')}.json`), { ...val, step: o.steps });
  await writeExampleGrid(path.join(dir, 'figures', 'kitti-val-grid.png'), [syntheticExample(124, 38, 3), syntheticExample(124, 38, 6)], space.colors, {
    tileWidth: 240,
  });
  return dir;
}
