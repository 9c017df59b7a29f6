// A checkpoint with auxiliary BatchNorm (augment.auxBatchNorm) through the CLI's commands (in process): `export` writes torchvision's
// keys with the main BatchNorm or, with --bn aux, the auxiliary one; `eval` and `shift-eval --bn aux` normalise
// with the auxiliary one and say so in their files; a checkpoint without twins is refused by name.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { readEvalResult } from '../../src/eval/result-file.js';
import { readShiftEval } from '../../src/eval/shift-eval.js';
import { readSafetensors } from '../../src/io/index.js';
import { createDeepLabV3, type DeepLabV3 } from '../../src/models/index.js';
import { addAuxBatchNorm, BatchNorm2d } from '../../src/nn/index.js';
import { generateSuite, readSuiteManifest } from '../../src/synth/suite.js';
import { manualSeed, noGrad, rand, randn, tidy } from '../../src/tensor/index.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-auxbn-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const suite = path.join(dir, 'suite');
const ckptOf = (run: string) => path.join(dir, 'runs', run, 'checkpoints', 'step-00000001.safetensors');
const [auxCkpt, plainCkpt] = [ckptOf('aux'), ckptOf('plain')];
const cli = async (...args: string[]): Promise<void> => {
  await buildProgram().parseAsync(['node', 'shapeseg', ...args]);
};
const at = (file: string) => path.join(dir, file);
/** The refusal of `--bn aux` for the checkpoint without twins names it. */
const noTwins = (e: Error): boolean => e.message.startsWith(`${plainCkpt}: has no auxiliary BatchNorm`);
/** The state dict values as plain arrays, by key. */
let values: Map<string, number[]>;
let plainKeys: string[];
let trainingStyleData: string;

function save(file: string, model: DeepLabV3): Promise<void> {
  const config = {
    name: 'tiny',
    model: { name: 'deeplabv3_resnet18', numClasses: 10 },
    data: { train: { layout: 'kitti', root: suite, labelSpace: 'vkitti-kitti' } },
  };
  const state = { step: 1, phase: 0, rngState: new Uint8Array(4), loaderState: null, configHash: 'x', bestMIoU: null, config };
  return Promise.resolve(saveCheckpoint(file, model.stateDict(), new Map(), state));
}

before(async () => {
  const manifest = await generateSuite({ out: suite, frames: 1, height: 48, width: 96 });
  const training = manifest.styles.find((s) => s.name === manifest.trainingStyle)!;
  trainingStyleData = `${manifest.layout}:${path.join(suite, training.dir)}`;
  manualSeed(0);
  const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 10, outputStride: 16 });
  plainKeys = [...model.stateDict().keys()];
  await save(plainCkpt, model);
  addAuxBatchNorm(model);
  // twins with statistics and affine parameters of their own, as training gives them
  tidy(() =>
    noGrad(() => {
      for (const m of model.modules()) {
        if (!(m instanceof BatchNorm2d) || m.auxBatchNorm === null) continue;
        const c = m.numFeatures;
        const aux = m.auxBatchNorm;
        aux.weight!.copy_(rand([c]).add(0.5));
        aux.bias!.copy_(randn([c]).mul(0.5));
        aux.runningMean!.copy_(randn([c]).mul(0.5));
        aux.runningVar!.copy_(rand([c]).add(0.5));
      }
    }),
  );
  await save(auxCkpt, model);
  values = new Map([...model.stateDict()].map(([k, t]) => [k, Array.from(t.toArray() as ArrayLike<number | bigint>, Number)]));
  model.dispose();
  assert.equal(readSuiteManifest(suite).layout, 'kitti');
});

describe('auxiliary BatchNorm through the CLI', () => {
  it("export: torchvision's keys with the main BatchNorm by default, the auxiliary values under them with --bn aux", async () => {
    const read = (file: string) => readSafetensors(at(file));
    const asArray = (t: { data: ArrayBufferView; dtype: string }) =>
      Array.from(
        (t.dtype === 'int64' ? new BigInt64Array(t.data.buffer.slice(0) as ArrayBuffer) : new Float32Array(t.data.buffer.slice(0) as ArrayBuffer)) as ArrayLike<
          number | bigint
        >,
        Number,
      );
    await cli('export', '-c', auxCkpt, '-o', at('main.safetensors'));
    await cli('export', '-c', auxCkpt, '-o', at('aux.safetensors'), '--bn', 'aux');
    const [main, aux] = [read('main.safetensors'), read('aux.safetensors')];
    for (const f of [main, aux]) assert.deepEqual([...f.tensors.keys()].sort(), [...plainKeys].sort(), "torchvision's keys only");
    assert.equal(aux.metadata?.batchNorm, 'aux');
    for (const k of plainKeys) {
      const twin = k.replace(/\.(weight|bias|running_mean|running_var|num_batches_tracked)$/, '.aux_bn.$1');
      const auxSource = values.has(twin) && twin !== k ? twin : k;
      assert.deepEqual(asArray(main.tensors.get(k)!), values.get(k), `main export of ${k}`);
      assert.deepEqual(asArray(aux.tensors.get(k)!), values.get(auxSource), `aux export of ${k} (from ${auxSource})`);
    }
    await assert.rejects(cli('export', '-c', plainCkpt, '-o', at('x.pth'), '--bn', 'aux'), noTwins);
  });

  it('eval --bn aux normalises the whole image with the auxiliary BatchNorm and records it; refused without twins', async () => {
    const common = ['--data', trainingStyleData, '--output-stride', '16', '--device', 'cpu', '--no-progress'];
    await cli('eval', '-c', auxCkpt, ...common);
    await cli('eval', '-c', auxCkpt, ...common, '--bn', 'aux');
    const evalDir = path.join(dir, 'runs', 'aux', 'eval');
    const [main, aux] = await Promise.all([
      readEvalResult(path.join(evalDir, 'kitti-os16.json')),
      readEvalResult(path.join(evalDir, 'kitti-os16-aux-bn.json')),
    ]);
    assert.equal(main.batchNorm, 'main');
    assert.equal(aux.batchNorm, 'aux');
    assert.notDeepEqual(aux.confusionMatrix, main.confusionMatrix, 'the twins normalise differently');
    // the same numbers as the exported auxiliary variant, a plain model
    await cli('export', '-c', auxCkpt, '-o', at('aux-model.safetensors'), '--bn', 'aux');
    await cli('eval', '-c', at('aux-model.safetensors'), '--label-space', 'vkitti-kitti', ...common, '--out', at('exported.json'));
    assert.deepEqual((await readEvalResult(at('exported.json'))).confusionMatrix, aux.confusionMatrix);
    await assert.rejects(cli('eval', '-c', plainCkpt, ...common, '--bn', 'aux'), noTwins);
    await assert.rejects(cli('eval', '-c', auxCkpt, ...common, '--bn', 'both'), { message: '--bn: expected main or aux, got "both"' });
  });

  it('shift-eval --bn aux writes <run>/shift-eval-aux-bn/ with the BatchNorm recorded', async () => {
    await cli('shift-eval', '-c', auxCkpt, '--suite', suite, '--output-stride', '16', '--device', 'cpu', '--figures', '0', '--bn', 'aux', '--no-progress');
    const f = readShiftEval(path.join(dir, 'runs', 'aux', 'shift-eval-aux-bn', 'shift-eval.json'));
    assert.equal(f.batchNorm, 'aux');
    assert.ok(f.styles.every((s) => s.result.batchNorm === 'aux'));
  });

  it('--bn aux with --adapt bn: both recorded, in files named for both', async () => {
    const common = ['--output-stride', '16', '--device', 'cpu', '--no-progress', '--bn', 'aux', '--adapt', 'bn'];
    await cli('eval', '-c', auxCkpt, '--data', trainingStyleData, ...common);
    const f = await readEvalResult(path.join(dir, 'runs', 'aux', 'eval', 'kitti-os16-aux-bn-bn-adapt.json'));
    assert.equal(f.batchNorm, 'aux');
    assert.equal(f.adaptation?.method, 'bn');
    await cli('shift-eval', '-c', auxCkpt, '--suite', suite, '--figures', '0', '--limit', '1', ...common);
    const s = readShiftEval(path.join(dir, 'runs', 'aux', 'shift-eval-aux-bn-bn-adapt', 'shift-eval.json'));
    assert.equal(s.batchNorm, 'aux');
    assert.equal(s.adaptation?.method, 'bn');
    assert.ok(s.styles.every((x) => x.result.batchNorm === 'aux' && x.result.adaptation?.method === 'bn'));
  });
});
