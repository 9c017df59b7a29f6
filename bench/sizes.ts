// Benchmark shapes per machine: small crops on CPU so the run takes minutes, the paper's on GPU.
import type { RunConfig } from './config.js';

/** The shapes and repeat counts one bench run uses. */
export interface Plan {
  model: string;
  numClasses: number;
  aux: boolean;
  outputStrides: Array<8 | 16>;
  train: { batch: number; crop: [number, number]; steps: number; warmup: number };
  infer: { batch: number; size: [number, number]; steps: number; warmup: number };
  /** images: distinct fixture PNGs; count: samples timed. */
  pipeline: { batch: number; crop: number; images: number; count: number };
}

/** The command-line choices that pick the shapes (shared by the bench's options and PlanRequest). */
export interface PlanChoices {
  device: string;
  quick: boolean;
  smoke: boolean;
  crop?: number;
  batch?: number;
  steps?: number;
  model?: string;
  /** Inference image [height, width] (default KITTI's 375x1242; --quick 188x621). */
  inferSize?: [number, number];
}

/** What the harness was asked for. */
export interface PlanRequest extends PlanChoices {
  cores: number;
  outputStrides?: Array<8 | 16>;
}

/** KITTI's image size (375x1242), what inference is timed on. */
export const KITTI_SIZE: [number, number] = [375, 1242];

/** Picks shapes for the device and core count; explicit --crop/--batch/--steps/--model/--infer-size override. */
export function makePlan(r: PlanRequest): Plan {
  const cuda = r.device.startsWith('cuda');
  let plan: Plan;
  if (r.smoke) {
    plan = {
      model: 'deeplabv3_resnet18',
      numClasses: 5,
      aux: true,
      outputStrides: [16],
      train: { batch: 2, crop: [49, 49], steps: 1, warmup: 0 },
      infer: { batch: 1, size: [49, 65], steps: 1, warmup: 0 },
      pipeline: { batch: 2, crop: 49, images: 2, count: 4 },
    };
  } else if (cuda) {
    plan = {
      model: 'deeplabv3_resnet101',
      numClasses: 21,
      aux: true,
      outputStrides: [16, 8],
      train: { batch: 10, crop: [513, 513], steps: r.quick ? 5 : 20, warmup: 5 },
      infer: { batch: 1, size: KITTI_SIZE, steps: r.quick ? 10 : 30, warmup: 5 },
      pipeline: { batch: 10, crop: 513, images: 16, count: r.quick ? 40 : 200 },
    };
  } else {
    const crop = r.quick ? 129 : r.cores <= 4 ? 161 : 193;
    plan = {
      model: 'deeplabv3_resnet101',
      numClasses: 21,
      aux: true,
      outputStrides: [16, 8],
      train: { batch: 2, crop: [crop, crop], steps: r.quick ? 3 : 5, warmup: 1 },
      infer: {
        batch: 1,
        size: r.quick ? [188, 621] : KITTI_SIZE,
        steps: r.quick ? 2 : 3,
        warmup: 1,
      },
      pipeline: { batch: 2, crop, images: 8, count: r.quick ? 16 : 48 },
    };
  }
  if (r.crop) {
    plan.train.crop = [r.crop, r.crop];
    plan.pipeline.crop = r.crop;
  }
  if (r.inferSize) plan.infer.size = r.inferSize;
  if (r.batch) plan.train.batch = plan.pipeline.batch = r.batch;
  if (r.steps) plan.train.steps = plan.infer.steps = r.steps;
  if (r.model) plan.model = r.model;
  if (r.outputStrides) plan.outputStrides = r.outputStrides;
  return plan;
}

/** The RunConfig for one (mode, output stride) cell of the plan. */
export function runConfig(plan: Plan, mode: 'train' | 'infer', os: 8 | 16, common: { threads: number; device: string }): RunConfig {
  const p = mode === 'train' ? plan.train : plan.infer;
  return {
    model: plan.model,
    os,
    mode,
    batch: p.batch,
    crop: mode === 'train' ? plan.train.crop : plan.infer.size,
    steps: p.steps,
    warmup: p.warmup,
    threads: common.threads,
    device: common.device,
    numClasses: plan.numClasses,
    // torchvision also runs the aux head in eval; a deployed model has none, so inference is timed without it
    aux: mode === 'train' ? plan.aux : false,
  };
}
