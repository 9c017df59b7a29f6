// The training-step cost of each segmentation head against the demo's DeepLabV3, on the same batch: how much compute
// a fine-structure remedy adds (docs/fine-structures.md). Interleaved rounds in one process, alternating which model
// goes first, so the machine's load hits all alike; reported as ratios to DeepLabV3.
//   node dist/bench/model-step.js [--rounds 6] [--steps 2] [--threads 1] [--crop 112] [--batch 8] [--os 16] [--amp bf16|fp32]
import { Command } from 'commander';
import { normalize } from '../src/data/normalize.js';
import { createModel, type DeepLabModel, type ModelName, type OutputStride } from '../src/models/index.js';
import { SGD } from '../src/optim/index.js';
import { autocast, manualSeed, randint, setNumThreads, tidy } from '../src/tensor/index.js';
import { segmentationLoss } from '../src/train/loss.js';
import { median } from './stats.js';

/** The models compared: the demo's DeepLabV3 first (the ratios' denominator). */
const MODELS: Array<{ label: string; name: ModelName; separableConv?: boolean }> = [
  { label: 'deeplabv3_resnet18 (the demo)', name: 'deeplabv3_resnet18' },
  { label: 'deeplabv3plus_resnet18', name: 'deeplabv3plus_resnet18' },
  { label: 'deeplabv3plus_resnet18, separable', name: 'deeplabv3plus_resnet18', separableConv: true },
];

const opts = new Command()
  .option('--rounds <n>', 'interleaved rounds', '6')
  .option('--steps <n>', 'timed steps per model and round', '2')
  .option('--threads <n>', 'intra-op threads', '1')
  .option('--crop <px>', 'square training crop', '112')
  .option('--batch <n>', 'batch size', '8')
  .option('--os <n>', 'output stride', '16')
  .option('--amp <mode>', 'bf16 (the demo on a BF16 CPU) or fp32', 'bf16')
  .parse()
  .opts<{ rounds: string; steps: string; threads: string; crop: string; batch: string; os: string; amp: string }>();
const [rounds, steps, crop, batch] = [opts.rounds, opts.steps, opts.crop, opts.batch].map(Number) as [number, number, number, number];

setNumThreads(Number(opts.threads));
manualSeed(0);
const images = randint(0, 256, [batch, 3, crop, crop], { dtype: 'uint8' });
const labels = randint(0, 10, [batch, crop, crop], { dtype: 'int64' });
const nets = MODELS.map((m) => {
  const model: DeepLabModel = createModel(m.name, { numClasses: 10, outputStride: Number(opts.os) as OutputStride, separableConv: m.separableConv }).train();
  return { ...m, model, optimizer: SGD.forParameters(model.namedParameters(), { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 }), ms: [] as number[] };
});

/** One SGD step of `n` on the fixed batch. */
function step(n: (typeof nets)[number]): void {
  n.optimizer.zeroGrad();
  tidy(() => {
    const loss = () => segmentationLoss(n.model.forward(normalize(images)), labels);
    (opts.amp === 'bf16' ? autocast('cpu', 'bfloat16', loss) : loss()).backward();
  });
  n.optimizer.step();
}

for (const n of nets) step(n); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const n of r % 2 === 0 ? nets : [...nets].reverse()) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) step(n);
    n.ms.push((performance.now() - t0) / steps);
  }
}
const base = nets[0]!;
console.log(
  `training step, batch ${batch} x ${crop}x${crop}, OS ${opts.os}, ${opts.amp}, ${opts.threads} thread(s), ${rounds} interleaved rounds of ${steps} steps`,
);
console.log('| model | ms/step (median) | ratio to DeepLabV3 (median [min, max] of the rounds) |\n|---|---:|---|');
for (const n of nets) {
  const ratios = n.ms.map((x, i) => x / base.ms[i]!);
  console.log(
    `| ${n.label} | ${median(n.ms).toFixed(0)} | ${median(ratios).toFixed(2)} [${Math.min(...ratios).toFixed(2)}, ${Math.max(...ratios).toFixed(2)}] |`,
  );
}
for (const n of nets) {
  n.optimizer.dispose();
  n.model.dispose();
}
images.dispose();
labels.dispose();
