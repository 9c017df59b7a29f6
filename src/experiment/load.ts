// Reads an experiment file and turns each run entry into a validated run config (base deep-merged with the
// run's override), so a typo in any run fails before the first run starts.
import * as path from 'node:path';
import { ConfigError, formatIssues, parseConfig, type RunConfig, readConfigFile } from '../config/index.js';
import { type Experiment, type ExperimentRun, ExperimentSchema } from './schema.js';
import { type ResolvedTarget, resolveTargets } from './targets.js';

/** An experiment with every run's config resolved. */
export interface LoadedExperiment {
  file: string;
  name: string;
  spec: Experiment;
  /** Each run with its config and the targets it is scored on (checked against its label space). */
  runs: Array<{ run: ExperimentRun; config: RunConfig; targets: ResolvedTarget[] }>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Deep-merges `over` into a copy of `base`: objects merge key by key, everything else (arrays too) replaces. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : structuredClone(v);
  return out;
}

/** Loads and validates an experiment file (JSON or YAML) and every run's targets; errors name the file and field. */
export function loadExperiment(file: string): LoadedExperiment {
  const raw = readConfigFile(file);
  const res = ExperimentSchema.safeParse(raw ?? {});
  if (!res.success) {
    const lines = formatIssues(res.error.issues, raw).map((l) => `${l} (in ${file})`);
    throw new ConfigError(lines.join('\n  '), lines);
  }
  const spec = res.data;
  const baseFile = path.resolve(path.dirname(file), spec.base);
  const base = readConfigFile(baseFile);
  const runs = spec.runs.map((run, i) => {
    const merged = deepMerge(base, run.override) as Record<string, unknown>;
    merged.name = run.name;
    const config = parseConfig(merged, `${file} runs[${i}] (${run.name}) over ${baseFile}`);
    try {
      return { run, config, targets: resolveTargets(spec.eval, config, run.name) };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const lines = e.problems.map((l) => `${l} (in ${file})`);
      throw new ConfigError(lines.join('\n  '), lines);
    }
  });
  return { file, name: spec.name ?? path.basename(file).replace(/\.(ya?ml|json)$/i, ''), spec, runs };
}
