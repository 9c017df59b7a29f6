// Data-parallel training against torch's own: 2 shapeseg processes (trainStep + DataParallel) and 2 processes of
// torch 1.13's DistributedDataParallel started by torchrun train the same DeepLabV3-ResNet50 from the same weights
// on the same fixed batches (no ignored pixels) with SGD, and agree in every step's loss and the final weights.
// BatchNorm trains with per-rank batch statistics on both sides (no SyncBatchNorm); dropout is off.
// Both loss normalisations match DDP here: 'perRank' is DDP's definition (each rank's mean, gradients averaged),
// and 'global' (each rank's loss sum over the global batch's valid pixels) equals it when, as here, every rank
// has the same number of valid pixels.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint, type RawTensor, writePth } from '../../src/io/index.js';
import { float32Arrays } from '../../src/io/raw-tensor.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { manualSeed, randint } from '../../src/tensor/index.js';
import { PYTHON, skipWithoutTorch } from '../helpers/python.js';
import { assertCloseWeights, worstRelativeDifference } from './runs.js';
import { freePort, runWorkers, withoutGloo } from './spawn.js';
import { DDP_RUN, TORCH_DDP_PY } from './torch-ddp-run.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch-ddp-worker.js');
const WORLD = 2;

/** Runs the DDP script under `python3 -m torch.distributed.run` (torchrun); resolves with rank 0's losses. */
async function torchrun(script: string, dir: string, outFile: string): Promise<number[]> {
  const port = await freePort();
  const lossesFile = path.join(dir, 'torch-losses.json');
  // --redirects/--tee: torch 1.13's default "0" (Std.NONE) parses to None under Python 3.11, whose IntFlag iteration
  // skips the zero member, and torchrun then fails; stdout to a log file and tee'd to the console parses fine
  const argv = ['-m', 'torch.distributed.run', '--nproc_per_node', String(WORLD), '--master_addr', '127.0.0.1', '--master_port', String(port)];
  argv.push('--redirects', '1', '--tee', '1', '--log_dir', path.join(dir, 'torchrun-logs'), script, dir, outFile, lossesFile);
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(PYTHON, argv, { env: { ...process.env, OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (c) => resolve({ code: c, stderr: err }));
  });
  assert.equal(code, 0, `torchrun exited with ${code}:\n${stderr}`);
  return JSON.parse(fs.readFileSync(lossesFile, 'utf8')) as number[];
}

/** Writes DIR/init.pth (a freshly initialised model's state dict) and DIR/batch.pth (uint8 images, labels 0..C-1). */
function writeInputs(dir: string): void {
  manualSeed(7);
  const model = createDeepLabV3('deeplabv3_resnet50', { numClasses: DDP_RUN.numClasses, outputStride: 8, auxLoss: true });
  const init = new Map<string, RawTensor>();
  for (const [k, t] of model.stateDict()) init.set(k, t.toRaw());
  writePth(path.join(dir, 'init.pth'), init);
  model.dispose();
  const n = DDP_RUN.steps * WORLD * DDP_RUN.batchSize;
  const { size } = DDP_RUN;
  using images = randint(0, 256, [n, 3, size, size], { dtype: 'uint8' });
  // every pixel labelled (none is 255): the case where both loss normalisations are DDP's
  using labels = randint(0, DDP_RUN.numClasses, [n, size, size], { dtype: 'int64' });
  writePth(
    path.join(dir, 'batch.pth'),
    new Map([
      ['images', images.toRaw()],
      ['labels', labels.toRaw()],
    ]),
  );
}

test('2 processes train like torch DDP under torchrun (same weights, data, optimizer): losses and weights', {
  skip: withoutGloo || skipWithoutTorch(true),
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-ddp-'));
  try {
    writeInputs(dir);
    const script = path.join(dir, 'ddp.py');
    fs.writeFileSync(script, TORCH_DDP_PY);
    const torchOut = path.join(dir, 'torch.pth');
    const ours = async (norm: 'perRank' | 'global') => {
      const out = path.join(dir, `${norm}.pth`);
      const results = await runWorkers(worker, WORLD, {}, [dir, norm, out]);
      for (const r of results) assert.equal(r.code, 0, `${norm} rank ${r.rank}: ${r.stderr}`);
      return { out, losses: JSON.parse(results[0]!.stdout.trim()) as number[] };
    };
    const [expected, perRank] = await Promise.all([torchrun(script, dir, torchOut), ours('perRank')]);
    const global = await ours('global');
    const reference = float32Arrays(loadCheckpoint(torchOut).tensors);
    // not vacuous: training moved the weights far beyond the tolerance
    const moved = worstRelativeDifference(float32Arrays(loadCheckpoint(path.join(dir, 'init.pth')).tensors), reference);
    assert.ok(moved > 0.1, `torch DDP's 2 steps barely moved the weights (${moved})`);
    t.diagnostic(`torch DDP losses ${expected.join(', ')}; weights moved by up to ${moved.toFixed(3)} (relative)`);
    for (const [name, run] of Object.entries({ perRank, global })) {
      assert.equal(run.losses.length, DDP_RUN.steps);
      run.losses.forEach((l, i) => {
        assert.ok(Math.abs(l - expected[i]!) < 1e-4 * Math.abs(expected[i]!), `${name}: loss at step ${i + 1}: ${l} vs torch DDP ${expected[i]}`);
      });
      const worst = assertCloseWeights(float32Arrays(loadCheckpoint(run.out).tensors), reference, `${name} and torch DDP's weights`);
      t.diagnostic(`${name}: losses ${run.losses.join(', ')}; weights within ${worst.toExponential(2)} (relative) of torch DDP's`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
