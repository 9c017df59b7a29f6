// Picks how an experiment's runs are evaluated from its `eval` section.
import type { Experiment } from './schema.js';
import type { RunEvaluator } from './runner.js';
import { valEvaluator } from './val-evaluator.js';

/** The evaluator an experiment's `eval` section asks for. */
export function defaultEvaluator(spec: Experiment['eval']): RunEvaluator {
  // TODO(shift suite): spec.shiftSuite selects the texture-shift suite evaluator once it lands
  void spec;
  return valEvaluator;
}
