// Runs an experiment: synthesises its data once, trains each run (resuming a half-finished one, skipping a
// finished one), evaluates every run at each output stride, and writes the comparison. A run counts as finished
// when its scores file exists, so a killed experiment continues where it stopped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../config/index.js';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { generateDataset } from '../synth/generate.js';
import { CheckpointDir } from '../train/checkpoint.js';
import { runPaths, writeJson } from '../train/run-dir.js';
import { train } from '../train/trainer.js';
import type { LoadedExperiment } from './load.js';
import type { Experiment } from './schema.js';
import { type ComparisonRow, comparisonMarkdown, comparisonRows, type RunScores } from './scores.js';

/** Evaluates one trained run at one output stride. */
export type RunEvaluator = (o: {
  run: string;
  config: RunConfig;
  checkpoint: string;
  outputStride: 8 | 16;
  evalSpec: Experiment['eval'];
  /** Folder for this evaluation's files. */
  outDir: string;
  log: (m: string) => void;
}) => Promise<RunScores>;

/** Options of runExperiment(). */
export interface RunExperimentOptions {
  experiment: LoadedExperiment;
  /** Output folder (one run folder per run, plus comparison.json/.md). */
  out: string;
  evaluator: RunEvaluator;
  progress?: 'bar' | 'lines' | 'off';
  /** Only these runs (by name); default all. */
  only?: readonly string[];
  /** Train the runs but evaluate none (e.g. while the evaluation suite is not ready, or on another machine). */
  trainOnly?: boolean;
  log?: (m: string) => void;
}

/** What an experiment produced. */
export interface ExperimentResult {
  scores: RunScores[];
  rows: ComparisonRow[];
  markdown: string;
  files: { json: string; markdown: string };
}

/** Synthesises each dataset whose root does not exist yet (a finished synth leaves the folder; a half one is redone). */
async function prepareData(spec: Experiment, log: (m: string) => void): Promise<void> {
  for (const s of spec.synth) {
    const marker = path.join(s.out, '.synth-complete.json');
    if (fs.existsSync(marker)) continue;
    log(`synthesising ${s.layout} data in ${s.out}`);
    fs.rmSync(s.out, { recursive: true, force: true });
    await generateDataset(s);
    writeJson(marker, s);
  }
}

/** Trains a run to its last step (resuming when it has checkpoints) and returns its final checkpoint. */
async function trainRun(config: RunConfig, runDir: string, progress: RunExperimentOptions['progress'], log: (m: string) => void): Promise<string> {
  const ckpts = new CheckpointDir(runPaths(runDir).checkpoints, config.train.keepLast);
  const total = config.train.phases.reduce((s, p) => s + p.steps, 0);
  const finalFile = ckpts.stepFile(total);
  if (fs.existsSync(finalFile)) return finalFile;
  const resume = ckpts.latest() !== null;
  log(`${resume ? 'resuming' : 'training'} ${config.name} in ${runDir}`);
  const result = await train({ config, runDir, resume, progress, handleSignals: true });
  log(result.summary);
  if (result.interrupted) throw new Error(`run ${config.name} was interrupted at step ${result.step}; run the experiment again to continue`);
  return finalFile;
}

/** The scores a run has already written, one per output stride evaluated. */
function finishedScores(runDir: string, outputStrides: readonly number[]): RunScores[] {
  return outputStrides.flatMap((os) => {
    const file = runPaths(runDir).scoresFile(os);
    return fs.existsSync(file) ? [JSON.parse(fs.readFileSync(file, 'utf8')) as RunScores] : [];
  });
}

/** Runs (or continues) an experiment and writes `<out>/comparison.json` and `<out>/comparison.md`. */
export async function runExperiment(o: RunExperimentOptions): Promise<ExperimentResult> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const { spec } = o.experiment;
  const selected = o.experiment.runs.filter(({ run }) => !o.only || o.only.includes(run.name));
  if (o.only) {
    const unknown = o.only.filter((n) => !o.experiment.runs.some(({ run }) => run.name === n));
    if (unknown.length > 0) throw new Error(`unknown run(s) ${unknown.join(', ')} in ${o.experiment.file}`);
  }
  fs.mkdirSync(o.out, { recursive: true });
  await prepareData(spec, log);
  for (const [i, { run, config }] of selected.entries()) {
    const runDir = path.join(o.out, run.name);
    log(`[${i + 1}/${selected.length}] ${run.name}${run.description ? `: ${run.description}` : ''}`);
    let checkpoint: string | null = null;
    if (o.trainOnly) {
      await trainRun(config, runDir, o.progress, log);
      continue;
    }
    for (const os of spec.eval.outputStrides) {
      const file = runPaths(runDir).scoresFile(os);
      if (fs.existsSync(file)) continue;
      checkpoint ??= await trainRun(config, runDir, o.progress, log);
      const s = await o.evaluator({ run: run.name, config, checkpoint, outputStride: os, evalSpec: spec.eval, outDir: runPaths(runDir).evalDirAt(os), log });
      writeJson(file, s);
    }
  }
  // the comparison covers every finished run, in the file's order, not only the ones this call did (--only)
  const scores = o.experiment.runs.flatMap(({ run }) => finishedScores(path.join(o.out, run.name), spec.eval.outputStrides));
  const rows = comparisonRows(scores);
  const markdown = comparisonMarkdown(rows, scores[0]?.classNames ?? []);
  const files = { json: path.join(o.out, 'comparison.json'), markdown: path.join(o.out, 'comparison.md') };
  writeJson(files.json, { experiment: o.experiment.name, spec, rows, scores });
  await writeFileAtomicAsync(files.markdown, `# ${o.experiment.name}\n\n${spec.description ?? ''}\n\n${markdown}`);
  return { scores, rows, markdown, files };
}
