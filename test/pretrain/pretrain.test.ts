// Pretraining end to end at toy scale: the CLI writes a backbone that a DeepLabV3 run config's
// model.pretrainedBackbone loads (and torchvision too), runs are deterministic, and the classifier learns.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config/index.js';
import { readPth } from '../../src/io/index.js';
import { buildModel, resnet } from '../../src/models/index.js';
import { SGD } from '../../src/optim/index.js';
import { classifyBatch } from '../../src/pretrain/classify.js';
import { FractalSet } from '../../src/pretrain/fractal-set.js';
import { pretrain } from '../../src/pretrain/train.js';
import { Rng } from '../../src/synth/prng.js';
import * as T from '../../src/tensor/index.js';
import { runShapeseg } from '../e2e/cli.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-pretrain-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TINY = ['--categories', '3', '--instances', '3', '--size', '32', '--steps', '3', '--batch', '6', '--threads', '1'];
const shapeseg = (...args: string[]) => runShapeseg(['pretrain', ...args], { cwd: tmp, timeoutMs: 120_000 });
const backbone = path.join(tmp, 'r18', 'backbone.pth');

describe('shapeseg pretrain', () => {
  it('writes a backbone that a DeepLabV3 run config with model.pretrainedBackbone loads, weight for weight', () => {
    const r = shapeseg('--out', 'r18', ...TINY, '--no-progress');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /pretrain: 3 steps in .* held-out accuracy [\d.]+% over 3 categories; wrote r18\/backbone\.pth \(122 tensors\)/);
    const written = readPth(backbone);
    assert.deepEqual(written.get('fc.weight')?.shape, [3, 512]);
    const cfg = parseConfig({
      model: { name: 'deeplabv3_resnet18', pretrainedBackbone: backbone },
      data: { train: { layout: 'kitti', root: 'unused', labelSpace: 'vkitti-kitti' } },
    });
    const { model, pretrained } = buildModel(cfg.model.name, { numClasses: cfg.model.numClasses!, pretrainedBackbone: cfg.model.pretrainedBackbone! });
    try {
      assert.equal(pretrained?.loadedKeys, written.size - 2);
      assert.deepEqual(pretrained?.ignoredKeys, ['fc.weight', 'fc.bias']);
      const sd = model.stateDict();
      for (const key of ['conv1.weight', 'layer4.1.bn2.running_var', 'layer3.0.downsample.0.weight']) {
        assert.deepEqual(sd.get(`backbone.${key}`)!.toRaw(), written.get(key), key);
      }
    } finally {
      model.dispose();
    }
    const summary = JSON.parse(fs.readFileSync(path.join(tmp, 'r18', 'pretrain.json'), 'utf8'));
    assert.equal(summary.arch, 'resnet18');
    assert.equal(summary.generator.categories, 3);
    assert.equal(summary.training.steps, 3);
    assert.ok(summary.seconds > 0 && summary.final.heldOutAccuracy >= 0 && summary.final.heldOutAccuracy <= 1);
    const lines = fs
      .readFileSync(path.join(tmp, 'r18', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.step === 3 && typeof l.loss === 'number' && typeof l.accuracy === 'number'));
    assert.ok(lines.some((l) => l.step === 3 && l.heldOut?.images === 3));
  });

  it('writes a file torch.load reads and torchvision resnet18 loads', { skip: skipWithoutTorch(true) }, () => {
    const out = runPython(
      'import sys, torch, torchvision\nsd = torch.load(sys.argv[1])\nm = torchvision.models.resnet18(num_classes=3)\nm.load_state_dict(sd)\nprint(len(sd), float(sd["conv1.weight"].flatten()[0]))',
      { args: [backbone] },
    );
    const [n, w] = out.trim().split(' ');
    assert.equal(Number(n), 122);
    const conv1 = readPth(backbone).get('conv1.weight')!;
    assert.equal(Number(w), new Float32Array(conv1.data.buffer, conv1.data.byteOffset, 1)[0]);
  });

  it('refuses a folder that holds a pretraining and bad values, naming the option', () => {
    const again = shapeseg('--out', 'r18', ...TINY);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /--out r18: already holds backbone\.pth/);
    const cases: Array<[string[], RegExp]> = [
      [['--categories', '1'], /^shapeseg: --categories: expected a number >= 2, got 1\n$/],
      [['--amp', 'fp16'], /^shapeseg: --amp: expected "auto", "fp32" or "bf16", got "fp16"\n$/],
      [['--held-out', '0.9'], /^shapeseg: --held-out: expected a number <= 0.5, got 0.9\n$/],
      [['--steps', 'ten'], /--steps expects a number, got "ten"/],
      [['--arch', 'vgg16'], /^shapeseg: --arch: expected "resnet18", .* got "vgg16"\n$/],
    ];
    for (const [args, want] of cases) {
      const r = shapeseg('--out', 'bad', ...args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.match(r.stderr, want, args.join(' '));
    }
    assert.ok(!fs.existsSync(path.join(tmp, 'bad')), 'a refused run wrote its folder');
  });

  it('describes every option in --help', () => {
    const r = shapeseg('--help');
    assert.equal(r.status, 0, r.stderr);
    for (const flag of ['--out', '--arch', '--categories', '--instances', '--size', '--steps', '--batch', '--lr', '--seed', '--amp'])
      assert.match(r.stdout, new RegExp(`${flag} <`));
  });
});

describe('pretrain()', () => {
  it('is deterministic on the CPU: the same seed writes the same weights', async () => {
    const run = (out: string) =>
      pretrain(
        { out: path.join(tmp, out), categories: 3, instances: 3, size: 32, steps: 2, batch: 4, threads: 1, amp: 'fp32', evalImages: 3, progress: 'off' },
        () => {},
      );
    await run('det-a');
    await run('det-b');
    assert.deepEqual(readPth(path.join(tmp, 'det-a', 'backbone.pth')), readPth(path.join(tmp, 'det-b', 'backbone.pth')));
  });

  it('lowers the loss on a small, easily separated batch within a few steps', () => {
    T.setNumThreads(1);
    T.manualSeed(0);
    const set = new FractalSet({ categories: 2, instances: 2, heldOutInstances: 1, size: 32, seed: 0 });
    const batch = set.trainBatch(new Rng(0), 8);
    const model = resnet('resnet18', { numClasses: 2 });
    const optimizer = SGD.forParameters(model.namedParameters(), { lr: 0.01, momentum: 0.9 });
    try {
      const losses: number[] = [];
      for (let step = 1; step <= 8; step++) {
        optimizer.zeroGrad();
        losses.push(classifyBatch(model, batch, { device: 'cpu', amp: false, backward: true, step }).loss);
        optimizer.step();
      }
      assert.ok(losses[7]! < 0.5 * losses[0]!, `losses ${losses.map((l) => l.toFixed(3)).join(', ')}`);
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  });
});
