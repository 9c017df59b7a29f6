// Picks how an experiment's runs are evaluated from its `eval` section.

import type { RunEvaluator } from './runner.js';
import type { Experiment } from './schema.js';
import { suiteEvaluator } from './suite-evaluator.js';
import { valEvaluator } from './val-evaluator.js';

/** The evaluator an experiment's `eval` section asks for. */
export function defaultEvaluator(spec: Experiment['eval']): RunEvaluator {
  return spec.shiftSuite ? suiteEvaluator : valEvaluator;
}
