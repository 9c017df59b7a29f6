// Evaluates a run's model on the texture-shift suite (src/synth/suite.ts) with runShiftEval, keeps its files in
// the run's folder, and condenses them into the experiment's scores.
import * as path from 'node:path';
import { getLabelSpace } from '../data/label-spaces.js';
import type { AdaptOptions } from '../eval/adapt/options.js';
import type { EvaluableModel } from '../eval/evaluate.js';
import { runShiftEval, type ShiftEvalFile } from '../eval/shift-eval.js';
import { evenlySpaced } from '../report/figures.js';
import { writeShiftEvalOutput } from '../report/shift-eval-output.js';
import { ensureSuite, readSuiteManifest, type SuiteRole } from '../synth/suite.js';
import type { RunEvaluator } from './runner.js';
import type { RunScores, SetScores } from './scores.js';
import { experimentSuiteDir } from './suite-dir.js';

const KIND: Record<SuiteRole, SetScores['kind']> = {
  training: 'in-style',
  shifted: 'shifted',
  'held-out': 'held-out',
  unseen: 'unseen',
  'texture-free': 'texture-free',
  'cue-conflict': 'cue-conflict',
};

/** The experiment's scores from a shift-eval.json. */
export function scoresFromShiftEval(file: ShiftEvalFile, run: string, outputStride: 8 | 16, checkpoint: string): RunScores {
  const names = file.classNames;
  const perClass = (byName: Record<string, number | null>) => names.map((n) => byName[n] ?? null);
  return {
    run,
    outputStride,
    checkpoint,
    classNames: names,
    sets: file.styles.map((s) => ({
      name: s.name,
      kind: KIND[s.role as SuiteRole] ?? 'shifted',
      mIoU: s.result.mIoU ?? Number.NaN,
      pixelAccuracy: s.result.pixelAccuracy ?? Number.NaN,
      perClassIoU: perClass(s.result.perClassIoU),
      boundaryIoU: s.result.boundary?.mBoundaryIoU ?? null,
    })),
    shapeBias: file.shapeBias?.overall.score ?? null,
    shapeBiasPerClass: names.map((n) => file.shapeBias?.perClass[n]?.score ?? null),
  };
}

/** Evaluates a loaded model on the suite (adapting on each style when `adapt` says so); writes `<outDir>/shift-eval.json` and per-style figures. */
export async function suiteScores(
  model: EvaluableModel,
  modelName: string,
  o: Parameters<RunEvaluator>[0],
  adapt: AdaptOptions | null = null,
): Promise<RunScores> {
  const { run, config, checkpoint, outputStride, batchNorm, evalSpec, outDir, log } = o;
  const suiteDir = experimentSuiteDir(evalSpec);
  if (!evalSpec.suite) await ensureSuite({ out: suiteDir });
  const manifest = readSuiteManifest(suiteDir);
  const labelSpace = getLabelSpace(config.data.train.labelSpace);
  log(`${run}: texture-shift suite at OS ${outputStride} (${manifest.styles.map((s) => s.name).join(', ')})`);
  const images = manifest.frames * manifest.worlds.length * manifest.variations.length;
  const result = await runShiftEval(
    model,
    suiteDir,
    manifest,
    { checkpoint: path.resolve(checkpoint), model: modelName },
    {
      labelSpace,
      device: config.train.device,
      outputStride,
      batchNorm,
      ...(evalSpec.boundaryBand > 0 ? { boundaryRatio: evalSpec.boundaryBand } : {}),
      exampleIndices: evenlySpaced(images, evalSpec.figures),
      adapt,
    },
  );
  await writeShiftEvalOutput(outDir, result, labelSpace);
  return { ...scoresFromShiftEval(result.file, run, outputStride, checkpoint), ...(adapt ? { adaptation: adapt } : {}) };
}
