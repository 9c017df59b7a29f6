// Runs an experiment: synthesises its data once, trains each run (resuming a half-finished one, skipping a
// finished one), evaluates every run at each output stride, and writes the comparison (Markdown, JSON, HTML).
// A run counts as evaluated when its scores file holds the suite (if asked for) and every target as the file
// describes it now, so a killed experiment continues where it stopped and a target added later is evaluated alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../config/index.js';
import { adaptationLabel } from '../eval/adapt/options.js';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { writeReport } from '../report/index.js';
import { generateDataset } from '../synth/generate.js';
import { CheckpointDir } from '../train/checkpoint.js';
import { runPaths, writeJson } from '../train/run-dir.js';
import { train } from '../train/trainer.js';
import type { LoadedExperiment } from './load.js';
import type { Experiment } from './schema.js';
import {
  type ComparisonRow,
  comparisonRows,
  experimentMarkdown,
  parseRunScores,
  type RunScores,
  type TargetComparison,
  targetComparison,
  withAdaptedRows,
} from './scores.js';
import { currentScores, pendingEvaluation } from './targets.js';

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
  /** The scores the run already has at this output stride: evaluate only what they lack, and return them merged. */
  previous?: RunScores | null;
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
  /** mIoU per target, per class, and the mean over targets. */
  targets: TargetComparison;
  markdown: string;
  /** `html`: the report of the evaluated runs (null while none is). */
  files: { json: string; markdown: string; html: string | null };
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

/** The scores file of a run at one output stride, or null when it has none yet. */
function readScores(runDir: string, outputStride: number): RunScores | null {
  const file = runPaths(runDir).scoresFile(outputStride);
  return fs.existsSync(file) ? parseRunScores(fs.readFileSync(file, 'utf8'), file) : null;
}

/** Runs (or continues) an experiment and writes `<out>/comparison.json`, `.md` and `.html` (the report of its runs). */
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
  for (const [i, { run, config, targets }] of selected.entries()) {
    const runDir = path.join(o.out, run.name);
    log(`[${i + 1}/${selected.length}] ${run.name}${run.description ? `: ${run.description}` : ''}`);
    let checkpoint: string | null = null;
    if (o.trainOnly) {
      await trainRun(config, runDir, o.progress, log);
      continue;
    }
    for (const os of spec.eval.outputStrides) {
      const previous = readScores(runDir, os);
      const todo = pendingEvaluation(previous, spec.eval, targets);
      if (previous && !todo.suite && todo.targets.length === 0 && todo.adapt.length === 0) continue;
      if (previous)
        log(
          `${run.name} at OS ${os}: evaluating ${[...(todo.suite ? ['the suite'] : []), ...todo.targets.map((t) => t.name), ...todo.adapt.map((a) => `with ${adaptationLabel(a)}`)].join(', ')} (not in its scores yet)`,
        );
      checkpoint ??= await trainRun(config, runDir, o.progress, log);
      const s = await o.evaluator({
        run: run.name,
        config,
        checkpoint,
        outputStride: os,
        evalSpec: spec.eval,
        outDir: runPaths(runDir).evalDirAt(os),
        log,
        previous,
      });
      writeJson(runPaths(runDir).scoresFile(os), s);
    }
  }
  // the comparison covers every evaluated run, in the file's order, not only the ones this call did (--only),
  // each cut to what the file asks for now (a target removed from it leaves the tables)
  const evaluated = o.experiment.runs.map(({ run, targets }) => ({
    dir: path.join(o.out, run.name),
    scores: spec.eval.outputStrides.flatMap((os) => {
      const s = readScores(path.join(o.out, run.name), os);
      return s ? [currentScores(s, spec.eval, targets)] : [];
    }),
  }));
  // adapted scores become their own rows after every source-only one (reported apart)
  const scores = withAdaptedRows(evaluated.flatMap((r) => r.scores));
  const rows = comparisonRows(scores);
  const targets = targetComparison(scores);
  const markdown = experimentMarkdown(scores);
  const dirs = evaluated.filter((r) => r.scores.length > 0).map((r) => r.dir);
  const files = {
    json: path.join(o.out, 'comparison.json'),
    markdown: path.join(o.out, 'comparison.md'),
    html: dirs.length > 0 ? path.join(o.out, 'comparison.html') : null,
  };
  writeJson(files.json, { experiment: o.experiment.name, spec, rows, targets, scores });
  await writeFileAtomicAsync(files.markdown, `# ${o.experiment.name}\n\n${spec.description ?? ''}\n\n${markdown}`);
  if (files.html) await writeReport(dirs, files.html, { title: `experiment ${o.experiment.name}`, scores });
  return { scores, rows, targets, markdown, files };
}
