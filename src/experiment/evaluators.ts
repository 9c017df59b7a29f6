// How an experiment's runs are evaluated: one model load per run and output stride, then the texture-shift
// suite (when on) and every target still missing from the run's scores, each target's eval file kept in the
// run's folder and what it was recorded beside its numbers.

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { getLabelSpace } from '../data/label-spaces.js';
import { openDataset } from '../data/open.js';
import { type AdaptOptions, adaptationLabel } from '../eval/adapt/options.js';
import { adaptationRecord } from '../eval/adapt/record.js';
import { type EvaluableModel, evaluate, evaluationToFile, writeEvalResult } from '../eval/evaluate.js';
import { readModelCheckpoint } from '../eval/load-model.js';
import { subsetMIoU } from '../eval/metrics.js';
import { finiteOrNull } from '../eval/result-file.js';
import { describeData } from '../eval/setup.js';
import type { RunEvaluator } from './runner.js';
import type { Experiment } from './schema.js';
import { isSuiteSet, type RunScores, type SetScores } from './scores.js';
import { expectedSuiteStyles } from './suite-dir.js';
import { suiteScores } from './suite-evaluator.js';
import { adaptedScores, currentScores, isScoreOf, pendingEvaluation, type ResolvedTarget, resolveTargets } from './targets.js';

type EvalArgs = Parameters<RunEvaluator>[0];

/** Evaluates the model on one target (adapting on it when `adapt` says so); writes `<outDir>/targets/<name>.json` (the full eval result file). */
async function targetScores(model: EvaluableModel, modelName: string, t: ResolvedTarget, o: EvalArgs, adapt: AdaptOptions | null): Promise<SetScores> {
  const dataset = await openDataset(t.data);
  const root = path.resolve(t.data.root);
  const spec = describeData({ ...t.data, root });
  o.log(`${o.run}: target ${t.name} at OS ${o.outputStride}: ${spec} (${dataset.length} images, label space ${dataset.labelSpace.name})`);
  const { boundaryBand, trimapBand } = o.evalSpec;
  const res = await evaluate(model, dataset, {
    labelSpace: dataset.labelSpace,
    device: o.config.train.device,
    outputStride: o.outputStride,
    // the run's own test-time scales and flip (its config's eval section; default whole images at scale 1)
    scales: o.config.eval.scales,
    flip: o.config.eval.flip,
    adapt,
    ...(boundaryBand > 0 ? { boundaryRatio: boundaryBand } : {}),
    ...(trimapBand > 0 ? { trimapRatio: trimapBand } : {}),
  });
  const classNames = [...dataset.labelSpace.classes];
  const file = evaluationToFile(res, {
    checkpoint: path.resolve(o.checkpoint),
    model: modelName,
    labelSpace: dataset.labelSpace.name,
    classNames,
    data: { spec, split: t.name, count: res.images },
    outputStride: o.outputStride,
    scales: o.config.eval.scales,
    flip: o.config.eval.flip,
    batchNorm: o.batchNorm,
    adaptation: adaptationRecord(adapt, res.images, spec),
  });
  await writeEvalResult(path.join(o.outDir, 'targets', `${t.name}.json`), file);
  const perClassIoU = Array.from(res.metrics.perClassIoU, finiteOrNull);
  o.log(`${o.run}: ${t.name} mIoU ${(100 * res.metrics.mIoU).toFixed(1)}% (${res.seconds.toFixed(1)} s)`);
  return {
    name: t.name,
    kind: t.kind,
    mIoU: res.metrics.mIoU,
    pixelAccuracy: res.metrics.pixelAccuracy,
    perClassIoU,
    subsets: t.subsets.map((s) => ({ name: s.name, classes: s.classes, mIoU: subsetMIoU(perClassIoU, classNames, s.classes) })),
    ...(res.boundary
      ? { boundaryIoU: finiteOrNull(res.boundary.mean), boundaryPerClassIoU: Array.from(res.boundary.perClass, finiteOrNull), boundaryBand: res.boundary.ratio }
      : {}),
    ...(res.trimap
      ? {
          trimap: {
            band: res.trimap.ratio,
            mIoU: finiteOrNull(res.trimap.metrics.mIoU),
            perClassIoU: Array.from(res.trimap.metrics.perClassIoU, finiteOrNull),
          },
        }
      : {}),
    data: {
      layout: t.data.layout,
      root,
      labelSpace: t.data.labelSpace,
      spec,
      config: { ...t.data },
      files: dataset.length,
      fileListSha256: createHash('sha256').update(dataset.fileList().join('\n')).digest('hex'),
    },
  };
}

/**
 * A run's scores with one adaptation (null: source-only), evaluating only what `previous` lacks: the suite when
 * `shiftSuite` is on and each target. Adapted scores are named `<run> + <label>` and keep their files in
 * `<outDir>/adapt-<label>/`.
 */
async function scoresWith(
  model: EvaluableModel,
  modelName: string,
  o: EvalArgs,
  spec: Experiment['eval'],
  targets: readonly ResolvedTarget[],
  previous: RunScores | null,
  adapt: AdaptOptions | null,
): Promise<RunScores> {
  const label = adapt ? adaptationLabel(adapt) : null;
  const at = label ? { ...o, run: `${o.run} + ${label}`, outDir: path.join(o.outDir, `adapt-${label}`) } : o;
  const todo = pendingEvaluation(previous, spec, targets, expectedSuiteStyles(spec));
  const suite = todo.suite ? await suiteScores(model, modelName, at, adapt) : null;
  const fresh: SetScores[] = [];
  for (const t of todo.targets) fresh.push(await targetScores(model, modelName, t, at, adapt));
  // a target re-scored (e.g. for band metrics it lacked) replaces its old set
  const kept = (previous?.sets ?? []).filter((x) => (!suite || !isSuiteSet(x)) && !todo.targets.some((t) => isScoreOf(x, t)));
  const base: RunScores = suite ??
    previous ?? { run: at.run, outputStride: o.outputStride, checkpoint: o.checkpoint, classNames: [], sets: [], shapeBias: null, shapeBiasPerClass: [] };
  const classNames = base.classNames.length > 0 ? base.classNames : [...getLabelSpace(o.config.data.train.labelSpace).classes];
  const { adapted: _, ...merged } = currentScores(
    // a fresh suite pass replaces every suite set the run had (its drops and shape bias belong together)
    { ...base, checkpoint: o.checkpoint, classNames, sets: [...(suite?.sets ?? []), ...kept, ...fresh] },
    spec,
    targets,
  );
  return { ...merged, ...(adapt ? { adaptation: adapt } : {}) };
}

/**
 * The evaluator an experiment's `eval` section asks for: the suite when `shiftSuite` is on, and each target
 * (eval.targets, else the config's data.val), without adaptation and then with each of `eval.adapt`. With
 * `previous` scores, only what they lack is evaluated (a target added to the file, or one whose data changed) and
 * merged in.
 */
export function defaultEvaluator(spec: Experiment['eval']): RunEvaluator {
  return async (o) => {
    const targets = resolveTargets(spec, o.config, o.run);
    const previous = o.previous ?? null;
    const { model, info } = readModelCheckpoint(o.checkpoint, { device: o.config.train.device, outputStride: o.outputStride, batchNorm: o.batchNorm });
    try {
      const source = await scoresWith(model, info.name, o, spec, targets, previous, null);
      const adapted: RunScores[] = [];
      // the adaptations the runner asks for with this variant (none for a run's [aux BN] variant)
      for (const a of o.evalSpec.adapt) adapted.push(await scoresWith(model, info.name, o, spec, targets, adaptedScores(previous, a), a));
      return adapted.length > 0 ? { ...source, adapted } : source;
    } finally {
      model.dispose();
    }
  };
}
