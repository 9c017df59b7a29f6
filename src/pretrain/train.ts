// Formula-driven supervised pretraining (FractalDB, Kataoka et al., ACCV 2020): a torchvision ResNet learns to
// classify the seeded fractal categories of src/pretrain/fractal-set.ts, with the segmentation training's SGD
// (momentum, weight decay on conv weights), poly schedule with warmup and autocast rule, then its weights are
// written in torchvision's layout for model.pretrainedBackbone.
import { resnet } from '../models/index.js';
import { PolySchedule, SGD } from '../optim/index.js';
import { hashSeed, Rng } from '../synth/prng.js';
import * as T from '../tensor/index.js';
import { MetricsLog } from '../train/metrics-log.js';
import { formatDuration, TrainProgress } from '../train/progress.js';
import { resolveAmp } from '../train/setup.js';
import { preparePretrainDir, writeBackbone, writeSummary } from './backbone-file.js';
import { classifyBatch, evaluateClassifier } from './classify.js';
import { FractalSet } from './fractal-set.js';
import { heldOutInstances, type PretrainInput, type PretrainOptions, parsePretrainOptions } from './options.js';
import { POINTS_PER_PIXEL } from './render.js';
import { TEXTURE_KINDS } from './texture.js';

/** A metrics.jsonl line: a training step, or (with `heldOut`) a held-out evaluation. */
export type PretrainLogLine =
  | { step: number; loss: number; accuracy: number; lr: number; imagesPerSec: number; time: number }
  | { step: number; heldOut: { loss: number; accuracy: number; images: number }; time: number };

/** What a finished pretraining reports. */
export interface PretrainResult {
  backbone: string;
  summary: string;
  steps: number;
  seconds: number;
  heldOutAccuracy: number;
  heldOutLoss: number;
  /** Mean training loss over the last logEvery steps. */
  trainLoss: number;
}

/** Trains the classifier as `input` says and writes backbone.pth, pretrain.json and metrics.jsonl into `out`. */
export async function pretrain(input: PretrainInput, log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<PretrainResult> {
  const o = parsePretrainOptions(input);
  const device = T.parseDevice(o.device, 'device');
  if (device !== 'cpu' && !T.cudaIsAvailable()) throw new Error(`device: ${device} but CUDA is not available in this libtorch build`);
  const { amp, reason } = resolveAmp(o.amp === 'fp32' ? false : o.amp, device);
  if (amp === 'fp16') throw new Error('amp: fp16 is not offered here'); // resolveAmp never picks fp16 itself
  const paths = preparePretrainDir(o.out);
  if (o.threads !== undefined) T.setNumThreads(o.threads);
  T.manualSeed(o.seed);
  const heldOut = heldOutInstances(o);
  const set = new FractalSet({ categories: o.categories, instances: o.instances, heldOutInstances: heldOut, size: o.size, seed: o.seed, search: o.generator });
  const warmupSteps = o.warmupSteps ?? Math.floor(o.steps / 20);
  const schedule = new PolySchedule({ lr: o.lr, power: 0.9, warmupSteps, phases: [{ steps: o.steps }] });
  const evalEvery = o.evalEvery ?? Math.max(1, Math.ceil(o.steps / 4));
  const model = resnet(o.arch, { numClasses: o.categories });
  const optimizer = SGD.forParameters(model.namedParameters(), { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
  const metrics = new MetricsLog<PretrainLogLine>(paths.metrics);
  const mode = o.progress ?? (process.stderr.isTTY ? 'bar' : 'lines');
  const progress = new TrainProgress(o.steps, mode, o.logEvery);
  // around a bar, messages go through it (so they do not break it); otherwise to the caller's log
  const say = (m: string) => (mode === 'bar' ? progress.log(m) : log(m));
  try {
    model.to(device);
    model.train();
    if (reason) say(reason.replace('train.amp: false', '--amp fp32').replace('train.amp', '--amp'));
    say(
      `pretrain: ${o.arch} on ${o.categories} fractal categories × ${o.instances} instances (${heldOut} held out each), ${o.size}² images, ` +
        `${o.steps} steps of batch ${o.batch} on ${device}${amp ? ' (bf16 autocast)' : ''} -> ${o.out}`,
    );
    const rng = new Rng(hashSeed(o.seed, 'pretrain-batches'));
    const evalSet = set.heldOut(o.evalImages);
    const evalOpts = { device, amp, batch: o.batch } as const;
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    const recent: number[] = [];
    let last = { loss: Number.NaN, accuracy: Number.NaN };
    progress.start(0);
    for (let step = 1; step <= o.steps; step++) {
      const ts = performance.now();
      const batch = set.trainBatch(rng, o.batch);
      const lr = schedule.lrAt(step - 1);
      optimizer.zeroGrad();
      optimizer.lr = lr;
      const s = classifyBatch(model, batch, { device, amp, backward: true, step });
      optimizer.step();
      const imagesPerSec = o.batch / ((performance.now() - ts) / 1000);
      recent.push(s.loss);
      if (recent.length > o.logEvery) recent.shift();
      progress.update({ step, phase: 1, loss: s.loss, lr, imagesPerSec });
      if (step % o.logEvery === 0 || step === o.steps) metrics.write({ step, loss: s.loss, accuracy: s.correct / s.count, lr, imagesPerSec, time: elapsed() });
      if (step % evalEvery === 0 || step === o.steps) {
        last = evaluateClassifier(model, evalSet, { ...evalOpts, step });
        metrics.write({ step, heldOut: { ...last, images: evalSet.labels.length }, time: elapsed() });
        say(`step ${step}: held-out accuracy ${(100 * last.accuracy).toFixed(1)}% (${evalSet.labels.length} images), loss ${last.loss.toFixed(4)}`);
      }
    }
    progress.stop();
    const seconds = elapsed();
    const keys = writeBackbone(paths.backbone, model);
    const trainLoss = recent.reduce((a, b) => a + b, 0) / recent.length;
    writeSummary(
      paths.summary,
      summaryOf(o, { heldOut, warmupSteps, amp: amp || 'fp32', device, seconds, keys, trainLoss, last, evalImages: evalSet.labels.length }),
    );
    log(
      `pretrain: ${o.steps} steps in ${formatDuration(seconds)} (${(seconds / o.steps).toFixed(3)} s/step); held-out accuracy ` +
        `${(100 * last.accuracy).toFixed(1)}% over ${o.categories} categories; wrote ${paths.backbone} (${keys} tensors)`,
    );
    return { backbone: paths.backbone, summary: paths.summary, steps: o.steps, seconds, heldOutAccuracy: last.accuracy, heldOutLoss: last.loss, trainLoss };
  } finally {
    progress.stop();
    metrics.close();
    optimizer.dispose();
    model.dispose();
  }
}

/** pretrain.json: the generator's settings, the training's, the time and the final scores. */
function summaryOf(
  o: PretrainOptions,
  r: {
    heldOut: number;
    warmupSteps: number;
    amp: string;
    device: string;
    seconds: number;
    keys: number;
    trainLoss: number;
    last: { loss: number; accuracy: number };
    evalImages: number;
  },
): object {
  return {
    method: 'formula-driven supervised pretraining on IFS fractal categories (FractalDB: Kataoka et al., ACCV 2020)',
    arch: o.arch,
    backbone: 'backbone.pth',
    tensors: r.keys,
    generator: {
      categories: o.categories,
      instances: o.instances,
      heldOutInstances: r.heldOut,
      size: o.size,
      seed: o.seed,
      ...o.generator,
      parameterRange: [-1, 1],
      instancePerturbation: 'one parameter × U(0.8, 1.2); random flips, 2×2 point patches, scale U(0.7, 1)',
      pointsPerPixel: POINTS_PER_PIXEL,
      textures: TEXTURE_KINDS,
    },
    training: {
      steps: o.steps,
      batch: o.batch,
      lr: o.lr,
      schedule: 'poly 0.9',
      warmupSteps: r.warmupSteps,
      momentum: o.momentum,
      weightDecay: o.weightDecay,
      augmentation: `shift up to ±${Math.floor(o.size / 8)} px, horizontal flip`,
      amp: r.amp,
      device: r.device,
      threads: T.getNumThreads(),
    },
    seconds: r.seconds,
    secondsPerStep: r.seconds / o.steps,
    final: { trainLoss: r.trainLoss, heldOutLoss: r.last.loss, heldOutAccuracy: r.last.accuracy, heldOutImages: r.evalImages },
  };
}
