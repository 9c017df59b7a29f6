// Runs an experiment: synthesises its data once, trains each run (resuming a half-finished one, skipping a
// finished one), evaluates every run at each output stride, and writes the comparison (Markdown, JSON, HTML).
// A run counts as evaluated when its scores file holds every style of the suite (if asked for) and every target as
// the file describes it now, so a killed experiment continues where it stopped and a target added later is evaluated alone.
// A run trained with augment.auxBatchNorm is evaluated twice, with its BatchNorm and with the auxiliary one: two rows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../config/index.js';
import { adaptationLabel } from '../eval/adapt/options.js';
import { writeFileAtomicAsync } from '../io/atomic.js';
import type { BatchNormChoice } from '../nn/batchnorm-choice.js';
import { writeReport } from '../report/index.js';
import { tradeoffChart } from '../report/tradeoff-chart.js';
import { generateDataset } from '../synth/generate.js';
import { CheckpointDir } from '../train/checkpoint.js';
import { runPaths, writeJson } from '../train/run-dir.js';
import { train } from '../train/trainer.js';
import { auxBatchNormRow, markEqualCompute, type TrainingCompute, trainingCompute } from './compute.js';
import type { LoadedExperiment } from './load.js';
import type { Experiment } from './schema.js';
import {
  type ComparisonRow,
  comparisonRows,
  experimentMarkdown,
  isSuiteSet,
  parseRunScores,
  type RunScores,
  type TargetComparison,
  targetComparison,
  withAdaptedRows,
} from './scores.js';
import { expectedSuiteStyles } from './suite-dir.js';
import { currentScores, pendingEvaluation } from './targets.js';

/** Evaluates one trained run at one output stride. */
export type RunEvaluator = (o: {
  run: string;
  config: RunConfig;
  checkpoint: string;
  outputStride: 8 | 16;
  /** The BatchNorm the model normalises with (`aux` only for runs trained with augment.auxBatchNorm). */
  batchNorm: BatchNormChoice;
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
  /** Each run's training compute, equal-compute marked against the first run (the baseline). */
  compute: TrainingCompute[];
  /** `html`: the report of the evaluated runs (null while none is); `tradeoff`: the trade-off chart (null without suite scores). */
  files: { json: string; markdown: string; html: string | null; tradeoff: string | null };
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

/** The evaluations of a run: each output stride with its BatchNorm, and with the auxiliary one when it has one. */
interface Variant {
  outputStride: 8 | 16;
  batchNorm: BatchNormChoice;
}

/** Every variant a run is evaluated in, output stride by output stride. */
function variantsOf(spec: Experiment['eval'], config: RunConfig): Variant[] {
  const norms: BatchNormChoice[] = config.augment.auxBatchNorm ? ['main', 'aux'] : ['main'];
  return spec.outputStrides.flatMap((outputStride) => norms.map((batchNorm) => ({ outputStride, batchNorm })));
}

/**
 * The eval section a variant is scored with: test-time adaptation (`eval.adapt`) applies to the main BatchNorm
 * only, so a run's `[aux BN]` variant gets no `+ bn-adapt`/`+ tent` rows (one adapted row per run and output stride).
 */
function variantSpec(spec: Experiment['eval'], v: Variant): Experiment['eval'] {
  return v.batchNorm === 'aux' && spec.adapt.length > 0 ? { ...spec, adapt: [] } : spec;
}

/** The auxiliary BatchNorm's files and row beside the main ones: `scores-os8-aux-bn.json`, `eval-os8-aux-bn/`, `run [aux BN]`. */
function variantPaths(runDir: string, run: string, v: Variant): { scores: string; outDir: string; row: string } {
  const p = runPaths(runDir);
  const aux = v.batchNorm === 'aux';
  return {
    scores: aux ? p.scoresFile(v.outputStride).replace(/\.json$/, '-aux-bn.json') : p.scoresFile(v.outputStride),
    outDir: `${p.evalDirAt(v.outputStride)}${aux ? '-aux-bn' : ''}`,
    row: aux ? auxBatchNormRow(run) : run,
  };
}

/** The scores of a run's variant, or null when it has none yet. */
function readScores(file: string): RunScores | null {
  return fs.existsSync(file) ? parseRunScores(fs.readFileSync(file, 'utf8'), file) : null;
}

/**
 * Runs (or continues) an experiment and writes `<out>/comparison.json` (with each run's compute), `.md`, `.html` (the
 * report of its runs) and `tradeoff.svg` (in-style vs shifted mIoU per run) when runs have suite scores.
 */
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
  const suiteStyles = expectedSuiteStyles(spec.eval);
  for (const [i, { run, config, targets }] of selected.entries()) {
    const runDir = path.join(o.out, run.name);
    log(`[${i + 1}/${selected.length}] ${run.name}${run.description ? `: ${run.description}` : ''}`);
    let checkpoint: string | null = null;
    if (o.trainOnly) {
      await trainRun(config, runDir, o.progress, log);
      continue;
    }
    for (const v of variantsOf(spec.eval, config)) {
      const files = variantPaths(runDir, run.name, v);
      const evalSpec = variantSpec(spec.eval, v);
      const previous = readScores(files.scores);
      const todo = pendingEvaluation(previous, evalSpec, targets, suiteStyles);
      if (previous && !todo.suite && todo.targets.length === 0 && todo.adapt.length === 0) continue;
      if (previous) {
        const suite = todo.missingStyles.length > 0 ? `the suite (for ${todo.missingStyles.join(', ')})` : 'the suite';
        const what = [...(todo.suite ? [suite] : []), ...todo.targets.map((t) => t.name), ...todo.adapt.map((a) => `with ${adaptationLabel(a)}`)];
        log(`${files.row} at OS ${v.outputStride}: evaluating ${what.join(', ')} (not in its scores yet)`);
      }
      checkpoint ??= await trainRun(config, runDir, o.progress, log);
      const s = await o.evaluator({
        run: files.row,
        config,
        checkpoint,
        ...v,
        evalSpec,
        outDir: files.outDir,
        log,
        previous,
      });
      writeJson(files.scores, s);
    }
  }
  // the comparison covers every evaluated run, in the file's order, not only the ones this call did (--only),
  // each cut to what the file asks for now (a target removed from it leaves the tables)
  const evaluated = o.experiment.runs.map(({ run, config, targets }) => ({
    dir: path.join(o.out, run.name),
    scores: variantsOf(spec.eval, config).flatMap((v) => {
      const s = readScores(variantPaths(path.join(o.out, run.name), run.name, v).scores);
      return s ? [currentScores(s, variantSpec(spec.eval, v), targets)] : [];
    }),
  }));
  // adapted scores become their own rows after every source-only one (reported apart)
  const scores = withAdaptedRows(evaluated.flatMap((r) => r.scores));
  const rows = comparisonRows(scores);
  const targets = targetComparison(scores);
  const markdown = experimentMarkdown(scores);
  const compute = markEqualCompute(o.experiment.runs.map(({ run, config }) => trainingCompute(run.name, config, o.experiment.file)))
    // a run evaluated with its auxiliary BatchNorm too: that row had the run's compute
    .flatMap((c) => (scores.some((s) => s.run === auxBatchNormRow(c.run)) ? [c, { ...c, run: auxBatchNormRow(c.run) }] : [c]));
  // the chart of the source-only suite rows (rows with test-time adaptation used target images: reported apart, in the tables only)
  const chart = tradeoffChart(
    comparisonRows(scores.filter((s) => !s.adaptation && s.sets.some(isSuiteSet))),
    compute.filter((c) => scores.some((s) => s.run === c.run)),
  );
  const dirs = evaluated.filter((r) => r.scores.length > 0).map((r) => r.dir);
  const files = {
    json: path.join(o.out, 'comparison.json'),
    markdown: path.join(o.out, 'comparison.md'),
    html: dirs.length > 0 ? path.join(o.out, 'comparison.html') : null,
    tradeoff: chart ? path.join(o.out, 'tradeoff.svg') : null,
  };
  writeJson(files.json, { experiment: o.experiment.name, spec, rows, compute, targets, scores });
  const figure = files.tradeoff ? `\n![in-style vs shifted mIoU per run](tradeoff.svg)\n` : '';
  await writeFileAtomicAsync(files.markdown, `# ${o.experiment.name}\n\n${spec.description ?? ''}\n\n${markdown}${figure}`);
  if (files.tradeoff) await writeFileAtomicAsync(files.tradeoff, `${chart}\n`);
  if (files.html) await writeReport(dirs, files.html, { title: `experiment ${o.experiment.name}`, scores });
  return { scores, rows, targets, markdown, compute, files };
}
