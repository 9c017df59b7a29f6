// Which texture-shift suite an experiment scores on, and which styles that suite has now: a run's scores that
// lack one of them (written before the held-out styles existed, say) are re-scored without retraining.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSuiteDir, readSuiteManifest, SUITE_FILE, SUITE_STYLES } from '../synth/suite.js';
import type { Experiment } from './schema.js';

/** The suite folder of an experiment: `eval.suite`, else the demo's held-out scenes built once under .cache/shift-suite. */
export function experimentSuiteDir(spec: Experiment['eval']): string {
  return spec.suite ? path.resolve(spec.suite) : defaultSuiteDir(path.join('.cache', 'shift-suite'), { frames: 40, height: 112, width: 368 });
}

/**
 * The style names the experiment's suite has: a given suite's manifest (it is scored as it is); the default suite
 * is (re)built with SUITE_STYLES, so those, whatever an older copy in the cache holds.
 */
export function expectedSuiteStyles(spec: Experiment['eval']): string[] {
  const dir = experimentSuiteDir(spec);
  if (spec.suite && fs.existsSync(path.join(dir, SUITE_FILE))) return readSuiteManifest(dir).styles.map((s) => s.name);
  return SUITE_STYLES.map((s) => s.name);
}
