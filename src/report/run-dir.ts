// Reads a run folder (its layout: runPaths): config.json, metrics.jsonl, eval/*.json, figures/*.png, checkpoints/,
// shift-eval/, and an experiment's scores-os<N>.json.
import fs from 'node:fs';
import path from 'node:path';
import { getLabelSpace } from '../data/label-spaces.js';
import { type EvalResultFile, readEvalResult } from '../eval/result-file.js';
import { readShiftEval, SHIFT_EVAL_FILE, type ShiftEvalFile } from '../eval/shift-eval.js';
import { parseRunScores, type RunScores } from '../experiment/scores.js';
import { parseMetricsLog, type TrainLogLine, type ValLogLine } from '../train/metrics-log.js';
import { runPaths } from '../train/run-dir.js';

/** The numbers of a training line (TrainLogLine) the report plots; each present only where the line has it as a number. */
export type TrainPoint = Pick<TrainLogLine, 'step'> & Partial<Pick<TrainLogLine, 'loss' | 'lr' | 'imagesPerSec'>>;

/** A validation line (ValLogLine) with its per-class IoU keyed by class name; pixelAcc present where numeric. */
export interface ValPoint {
  step: number;
  mIoU: ValLogLine['val']['mIoU'];
  pixelAcc?: number;
  perClass: Record<string, number | null>;
}

/** Everything the report shows of one run. */
export interface RunData {
  name: string;
  dir: string;
  config: unknown;
  train: TrainPoint[];
  val: ValPoint[];
  evals: Array<{ file: string; result: EvalResultFile }>;
  figures: Array<{ file: string; png: Buffer }>;
  checkpoints: string[];
  /** Things skipped while reading (bad lines, unreadable files), shown in the report. */
  warnings: string[];
  /** `shapeseg shift-eval`'s result (shift-eval/shift-eval.json) and its per-style figures, if the run has one. */
  shiftEval?: { file: string; result: ShiftEvalFile; figures: Map<string, Buffer> };
  /** An experiment's scores of the run (scores-os<N>.json), one per output stride evaluated. */
  scores?: RunScores[];
}

/** Reads `<run>/shift-eval/shift-eval.json` and the figures it names; undefined when absent, a warning when unreadable. */
async function loadShiftEval(dir: string, warnings: string[]): Promise<RunData['shiftEval']> {
  const shiftDir = runPaths(dir).shiftEval;
  const file = path.join(shiftDir, SHIFT_EVAL_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const result = readShiftEval(file);
    const figures = new Map<string, Buffer>();
    for (const s of result.styles) {
      if (s.figure === null) continue;
      const png = path.join(shiftDir, s.figure);
      if (fs.existsSync(png)) figures.set(s.name, await fs.promises.readFile(png));
      else warnings.push(`${png}: figure named in ${file} is missing`);
    }
    return { file: path.relative(dir, file), result, figures };
  } catch (e) {
    warnings.push((e as Error).message);
    return undefined;
  }
}

/** Most figures embedded per run (the HTML holds them inline). */
export const MAX_FIGURES = 24;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * metrics.jsonl text (read by parseMetricsLog: bad lines become warnings naming file:line, a run still writing
 * may end mid-line) as the report's series; values that are not numbers (another writer's file) are dropped.
 */
export function parseMetricsJsonl(
  text: string,
  file: string,
  classNames: readonly string[] = [],
): { train: TrainPoint[]; val: ValPoint[]; warnings: string[] } {
  const train: TrainPoint[] = [];
  const val: ValPoint[] = [];
  const { lines, warnings } = parseMetricsLog(text, file);
  for (const rec of lines) {
    if ('val' in rec && rec.val && typeof rec.val === 'object') {
      const v = rec.val;
      const perClass: Record<string, number | null> = {};
      const raw: unknown = v.perClass;
      // arrays are in label-space order: name them from the run's label space when known
      const entries = Array.isArray(raw)
        ? raw.map((x, k): [string, unknown] => [classNames[k] ?? `class ${k}`, x])
        : Object.entries((raw as Record<string, unknown>) ?? {});
      for (const [k, x] of entries) perClass[k] = isNum(x) ? x : null;
      const p: ValPoint = { step: rec.step, mIoU: v.mIoU, perClass };
      if (isNum(v.pixelAcc)) p.pixelAcc = v.pixelAcc;
      val.push(p);
    }
    const r = rec as Partial<Record<'loss' | 'lr' | 'imagesPerSec', unknown>>;
    if (isNum(r.loss) || isNum(r.lr) || isNum(r.imagesPerSec)) {
      const p: TrainPoint = { step: rec.step };
      if (isNum(r.loss)) p.loss = r.loss;
      if (isNum(r.lr)) p.lr = r.lr;
      if (isNum(r.imagesPerSec)) p.imagesPerSec = r.imagesPerSec;
      train.push(p);
    }
  }
  // a resumed run may log a step twice: the later line wins
  return { train: dedupeBy(train), val: dedupeBy(val), warnings };
}

function dedupeBy<T extends { step: number }>(xs: T[]): T[] {
  const m = new Map<number, T>();
  for (const x of xs) m.set(x.step, x);
  return [...m.values()].sort((a, b) => a.step - b.step);
}

async function listDir(dir: string, ext: string): Promise<string[]> {
  try {
    return (await fs.promises.readdir(dir)).filter((f) => f.toLowerCase().endsWith(ext)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Class names of the run's validation (else training) label space, from its config; [] when unknown. */
export function classNamesOf(config: unknown): readonly string[] {
  const data = (config as { data?: { train?: { labelSpace?: unknown }; val?: { labelSpace?: unknown } } } | null)?.data;
  const name = data?.val?.labelSpace ?? data?.train?.labelSpace;
  if (typeof name !== 'string') return [];
  try {
    return getLabelSpace(name).classes;
  } catch {
    return [];
  }
}

/** Reads one run folder. Missing parts are allowed (a run may not have been evaluated yet); a missing folder is an error. */
export async function loadRun(dir: string, name = path.basename(path.resolve(dir))): Promise<RunData> {
  const st = await fs.promises.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new Error(`run folder ${dir} does not exist or is not a folder`);
  const warnings: string[] = [];
  const paths = runPaths(dir);
  let config: unknown = null;
  const configFile = paths.config;
  if (fs.existsSync(configFile)) {
    try {
      config = JSON.parse(await fs.promises.readFile(configFile, 'utf8'));
    } catch (e) {
      warnings.push(`${configFile}: not readable JSON (${(e as Error).message})`);
    }
  } else warnings.push(`${configFile}: missing`);
  const metricsFile = paths.metrics;
  let train: TrainPoint[] = [];
  let val: ValPoint[] = [];
  if (fs.existsSync(metricsFile)) {
    const parsed = parseMetricsJsonl(await fs.promises.readFile(metricsFile, 'utf8'), metricsFile, classNamesOf(config));
    ({ train, val } = parsed);
    warnings.push(...parsed.warnings);
  } else warnings.push(`${metricsFile}: missing`);
  const evals: RunData['evals'] = [];
  for (const f of await listDir(paths.eval, '.json')) {
    const file = path.join(paths.eval, f);
    try {
      evals.push({ file: path.relative(dir, file), result: await readEvalResult(file) });
    } catch (e) {
      warnings.push((e as Error).message);
    }
  }
  const pngs = await listDir(paths.figures, '.png');
  if (pngs.length > MAX_FIGURES) warnings.push(`${paths.figures}: ${pngs.length} figures, only the first ${MAX_FIGURES} embedded`);
  const figures = await Promise.all(
    pngs.slice(0, MAX_FIGURES).map(async (f) => {
      const file = path.join(paths.figures, f);
      return { file: path.relative(dir, file), png: await fs.promises.readFile(file) };
    }),
  );
  const checkpoints = [...(await listDir(paths.checkpoints, '.safetensors')), ...(await listDir(paths.checkpoints, '.pth'))];
  const shiftEval = await loadShiftEval(dir, warnings);
  const scores: RunScores[] = [];
  for (const file of [16, 8].map(paths.scoresFile).filter((f) => fs.existsSync(f))) {
    try {
      scores.push(parseRunScores(await fs.promises.readFile(file, 'utf8'), file));
    } catch (e) {
      warnings.push((e as Error).message);
    }
  }
  return { name, dir, config, train, val, evals, figures, checkpoints, warnings, ...(shiftEval ? { shiftEval } : {}), ...(scores.length ? { scores } : {}) };
}

/** Loads several runs, giving runs with the same folder name distinct names (parent/name). */
export async function loadRuns(dirs: readonly string[]): Promise<RunData[]> {
  const base = dirs.map((d) => path.basename(path.resolve(d)));
  const names = dirs.map((d, i) => (base.filter((b) => b === base[i]).length > 1 ? path.relative(process.cwd(), path.resolve(d)) || base[i] : base[i]));
  return Promise.all(dirs.map((d, i) => loadRun(d, names[i])));
}
