// An experiment run trained with augment.auxBatchNorm is evaluated twice, with its BatchNorm and with the auxiliary
// one, into files of its own and two rows (`run`, `run [aux BN]`); a run without twins once. The evaluator is a stub
// and the runs' final checkpoints exist already, so nothing trains.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadExperiment } from '../../src/experiment/load.js';
import { type RunEvaluator, runExperiment } from '../../src/experiment/runner.js';
import { writeYaml } from '../e2e/cli.js';
import { inTempDir, tinyBase } from './tiny.js';

/** Writes each run's final-step checkpoint file (2 steps), so the runner counts the runs as trained (the evaluator is a stub). */
function markTrained(out: string, runs: readonly string[]): void {
  for (const run of runs) {
    const ckpt = path.join(out, run, 'checkpoints', 'step-00000002.safetensors');
    fs.mkdirSync(path.dirname(ckpt), { recursive: true });
    fs.writeFileSync(ckpt, '');
  }
}

test('a run with auxiliary BatchNorm gets a second evaluation and row with the auxiliary BatchNorm', () =>
  inTempDir(async (dir) => {
    tinyBase(dir, path.join(dir, 'data'));
    const file = writeYaml(path.join(dir, 'aux.yaml'), {
      base: 'base.yaml',
      eval: { outputStrides: [16], shiftSuite: false, boundaryBand: 0 }, // the stub measures no band metrics
      runs: [{ name: 'plain' }, { name: 'twins', override: { augment: { randConv: { p: 1 }, fraction: 0.5, auxBatchNorm: true } } }],
    });
    const out = path.join(dir, 'out');
    markTrained(out, ['plain', 'twins']);
    const calls: Array<{ run: string; batchNorm: string; outDir: string }> = [];
    const evaluator: RunEvaluator = async (o) => {
      calls.push({ run: o.run, batchNorm: o.batchNorm, outDir: path.relative(out, o.outDir) });
      const mIoU = o.batchNorm === 'aux' ? 0.25 : 0.5;
      return {
        run: o.run,
        outputStride: o.outputStride,
        checkpoint: o.checkpoint,
        classNames: [],
        sets: [{ name: 'val', kind: 'val', mIoU, pixelAccuracy: mIoU, perClassIoU: [] }],
        shapeBias: null,
        shapeBiasPerClass: [],
      };
    };
    const experiment = loadExperiment(file);
    const result = await runExperiment({ experiment, out, evaluator, log: () => {} });
    assert.deepEqual(calls, [
      { run: 'plain', batchNorm: 'main', outDir: path.join('plain', 'eval-os16') },
      { run: 'twins', batchNorm: 'main', outDir: path.join('twins', 'eval-os16') },
      { run: 'twins [aux BN]', batchNorm: 'aux', outDir: path.join('twins', 'eval-os16-aux-bn') },
    ]);
    assert.ok(fs.existsSync(path.join(out, 'twins', 'scores-os16-aux-bn.json')));
    assert.deepEqual(
      result.rows.map((r) => [r.run, r.inStyle]),
      [
        ['plain', 0.5],
        ['twins', 0.5],
        ['twins [aux BN]', 0.25],
      ],
    );
    assert.match(result.markdown, /twins \[aux BN\]/);
    // evaluated runs are not evaluated again
    calls.length = 0;
    await runExperiment({ experiment, out, evaluator, log: () => {} });
    assert.deepEqual(calls, []);
  }));

test('with eval.adapt, the main BatchNorm variant gets the adapted rows and the [aux BN] one none', () =>
  inTempDir(async (dir) => {
    tinyBase(dir, path.join(dir, 'data'));
    const file = writeYaml(path.join(dir, 'aux.yaml'), {
      base: 'base.yaml',
      eval: { outputStrides: [16], shiftSuite: false, boundaryBand: 0, adapt: ['bn'] },
      runs: [{ name: 'plain' }, { name: 'twins', override: { augment: { randConv: { p: 1 }, fraction: 0.5, auxBatchNorm: true } } }],
    });
    const out = path.join(dir, 'out');
    markTrained(out, ['plain', 'twins']);
    const calls: Array<{ run: string; batchNorm: string; adapt: string[] }> = [];
    const scores = (run: string, o: Parameters<RunEvaluator>[0], mIoU: number) => ({
      run,
      outputStride: o.outputStride,
      checkpoint: o.checkpoint,
      classNames: [],
      sets: [{ name: 'val', kind: 'val' as const, mIoU, pixelAccuracy: mIoU, perClassIoU: [] }],
      shapeBias: null,
      shapeBiasPerClass: [],
    });
    const evaluator: RunEvaluator = async (o) => {
      calls.push({ run: o.run, batchNorm: o.batchNorm, adapt: o.evalSpec.adapt.map((a) => a.method) });
      const adapted = o.evalSpec.adapt.map((a) => ({ ...scores(`${o.run} + bn-adapt`, o, 0.75), adaptation: a }));
      return { ...scores(o.run, o, o.batchNorm === 'aux' ? 0.25 : 0.5), ...(adapted.length > 0 ? { adapted } : {}) };
    };
    const experiment = loadExperiment(file);
    const result = await runExperiment({ experiment, out, evaluator, log: () => {} });
    assert.deepEqual(calls, [
      { run: 'plain', batchNorm: 'main', adapt: ['bn'] },
      { run: 'twins', batchNorm: 'main', adapt: ['bn'] },
      { run: 'twins [aux BN]', batchNorm: 'aux', adapt: [] },
    ]);
    assert.deepEqual(
      result.rows.map((r) => [r.run, r.adaptation]),
      [
        ['plain', null],
        ['twins', null],
        ['twins [aux BN]', null],
        ['plain + bn-adapt', 'bn-adapt'],
        ['twins + bn-adapt', 'bn-adapt'],
      ],
    );
    // every variant has what it needs: nothing is evaluated again
    calls.length = 0;
    await runExperiment({ experiment, out, evaluator, log: () => {} });
    assert.deepEqual(calls, []);
  }));
