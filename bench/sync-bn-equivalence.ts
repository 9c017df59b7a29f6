// How far 2 data-parallel processes with SyncBatchNorm drift from 1 process with the global batch on the demo
// data, next to how far 1 process drifts from itself when only the floating-point reduction order changes
// (another thread count, channels-last). BatchNorm is trained, OS 16, the demo's recipe otherwise.
//   node dist/bench/sync-bn-equivalence.js [--steps 10] [--data runs/demo-data] [--out FILE]
// Needs the demo's data (run `shapeseg demo` once, or the two `synth` commands in configs/demo.yaml).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { readConfigFile } from '../src/config/index.js';
import { float32Arrays } from '../src/io/raw-tensor.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { readMetricsLog, type TrainLogLine } from '../src/train/metrics-log.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');

/** One training run of the comparison. */
interface Variant {
  name: string;
  what: string;
  procs: number;
  threads: number;
  channelsLast: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'single', what: '1 process, batch 8, 2 threads (the reference)', procs: 1, threads: 2, channelsLast: false },
  { name: 'sync-bn-2x4', what: '2 processes x batch 4, SyncBatchNorm, 1 thread each', procs: 2, threads: 1, channelsLast: false },
  { name: 'single-1-thread', what: 'control: 1 process, batch 8, 1 thread', procs: 1, threads: 1, channelsLast: false },
  { name: 'single-channels-last', what: 'control: 1 process, batch 8, 2 threads, channels-last', procs: 1, threads: 2, channelsLast: true },
];

/** The demo config with BatchNorm trained for `steps` steps at OS 16, a checkpoint every step, no validation. */
function configFor(v: Variant, steps: number, data: string): unknown {
  const base = readConfigFile(path.join(ROOT, 'configs/demo.yaml')) as Record<string, Record<string, unknown>>;
  const train = base.train!;
  return {
    ...base,
    name: v.name,
    data: {
      train: { layout: 'vkitti1', root: path.join(data, 'vkitti'), labelSpace: 'vkitti-kitti' },
      workers: 0,
    },
    train: {
      ...train,
      batchSize: 8 / v.procs,
      syncBN: v.procs > 1,
      threads: v.threads,
      channelsLast: v.channelsLast,
      phases: [{ steps, outputStride: 16, freezeBN: false }],
      schedule: { ...(train.schedule as object), warmupSteps: Math.min(20, steps - 1) },
      valEvery: 0,
      checkpointEvery: 1,
      keepLast: steps,
      logEvery: 1,
    },
  };
}

/** ‖a − b‖ / ‖a‖ over every float32 tensor of the model, and the largest per-tensor value of the same ratio. */
function relativeL2(a: Map<string, Float32Array>, b: Map<string, Float32Array>): { all: number; worstTensor: number; worstKey: string } {
  let num = 0;
  let den = 0;
  let worstTensor = 0;
  let worstKey = '';
  for (const [k, x] of a) {
    const y = b.get(k)!;
    let n = 0;
    let d = 0;
    for (let i = 0; i < x.length; i++) {
      n += (x[i]! - y[i]!) ** 2;
      d += x[i]! ** 2;
    }
    num += n;
    den += d;
    const r = d > 0 ? Math.sqrt(n / d) : 0;
    if (r > worstTensor) [worstTensor, worstKey] = [r, k];
  }
  return { all: Math.sqrt(num / den), worstTensor, worstKey };
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--steps <n>', 'training steps per run', '10')
    .option('--data <dir>', "the demo's data folder", 'runs/demo-data')
    .option('--out <file>', 'JSON results', `bench/results/${new Date().toISOString().slice(0, 10)}-sync-bn-equivalence.json`)
    .parse()
    .opts<{ steps: string; data: string; out: string }>();
  const steps = Number(o.steps);
  if (!fs.existsSync(path.join(o.data, 'vkitti'))) throw new Error(`no demo data under ${o.data}/vkitti: run \`shapeseg demo\` once first`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-syncbn-'));
  try {
    const runs = new Map<string, string>();
    for (const v of VARIANTS) {
      const cfg = path.join(tmp, `${v.name}.json`);
      fs.writeFileSync(cfg, JSON.stringify(configFor(v, steps, path.resolve(o.data))));
      const runDir = path.join(tmp, v.name);
      const launch = v.procs > 1 ? ['--nproc-per-node', String(v.procs), '--master-port', String(29600 + Math.floor(Math.random() * 300))] : [];
      process.stderr.write(`${v.name}: ${v.what}\n`);
      execFileSync(process.execPath, [CLI, 'train', cfg, '--run-dir', runDir, '--no-progress', ...launch], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, OMP_NUM_THREADS: String(v.threads) },
      });
      runs.set(v.name, runDir);
    }
    const losses = (dir: string) =>
      readMetricsLog(path.join(dir, 'metrics.jsonl'))
        .filter((l): l is TrainLogLine => 'loss' in l)
        .map((l) => l.loss);
    const weights = async (dir: string, step: number) =>
      float32Arrays(readCheckpoint(path.join(dir, 'checkpoints', `step-${String(step).padStart(8, '0')}.safetensors`)).model);
    const ref = runs.get('single')!;
    const refLoss = losses(ref);
    const rows = [];
    for (const v of VARIANTS.slice(1)) {
      const dir = runs.get(v.name)!;
      const l = losses(dir);
      const perStep = [];
      for (let s = 1; s <= steps; s++) {
        const w = relativeL2(await weights(ref, s), await weights(dir, s));
        perStep.push({
          step: s,
          lossRelDiff: Math.abs(l[s - 1]! - refLoss[s - 1]!) / Math.abs(refLoss[s - 1]!),
          weightsRelL2: w.all,
          worstTensorRelL2: w.worstTensor,
          worstTensor: w.worstKey,
        });
      }
      rows.push({ run: v.name, what: v.what, perStep });
    }
    const result = { date: new Date().toISOString(), steps, reference: VARIANTS[0]!.what, referenceLosses: refLoss, rows };
    fs.mkdirSync(path.dirname(o.out), { recursive: true });
    fs.writeFileSync(o.out, `${JSON.stringify(result, null, 1)}\n`);
    const fmt = (x: number) => x.toExponential(1);
    console.log(`| step | ${rows.map((r) => `${r.run}: loss rel. diff | weights rel. L2`).join(' | ')} |`);
    console.log(`|---:|${rows.map(() => '---:|---:').join('|')}|`);
    for (let s = 0; s < steps; s++)
      console.log(`| ${s + 1} | ${rows.map((r) => `${fmt(r.perStep[s]!.lossRelDiff)} | ${fmt(r.perStep[s]!.weightsRelL2)}`).join(' | ')} |`);
    console.log(`(against ${VARIANTS[0]!.what}; JSON: ${o.out})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
