// The simplest run evaluator: the run config's own validation set (used when the texture-shift suite is off).
import { openDataset } from '../data/open.js';
import { evaluate } from '../eval/evaluate.js';
import { readModelCheckpoint } from '../eval/load-model.js';
import { finiteOrNull } from '../eval/result-file.js';
import type { RunEvaluator } from './runner.js';
import type { RunScores } from './scores.js';

/** Evaluates a run's final checkpoint on `data.val` of its config (error when the config has none). */
export const valEvaluator: RunEvaluator = async ({ run, config, checkpoint, outputStride }) => {
  if (!config.data.val) throw new Error(`run ${run}: eval.shiftSuite is false and the config has no data.val to evaluate on`);
  const dataset = await openDataset(config.data.val);
  const { model } = readModelCheckpoint(checkpoint, { device: config.train.device, outputStride });
  try {
    const res = await evaluate(model, dataset, { labelSpace: dataset.labelSpace, device: config.train.device, outputStride });
    const m = res.metrics;
    const scores: RunScores = {
      run,
      outputStride,
      checkpoint,
      classNames: [...dataset.labelSpace.classes],
      sets: [{ name: 'val', kind: 'val', mIoU: m.mIoU, pixelAccuracy: m.pixelAccuracy, perClassIoU: Array.from(m.perClassIoU, finiteOrNull) }],
      shapeBias: null,
      shapeBiasPerClass: [],
    };
    return scores;
  } finally {
    model.dispose();
  }
};
