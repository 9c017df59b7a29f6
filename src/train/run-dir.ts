// A run directory: runs/<name>/{config.json, files.json, class-weights.json, metrics.jsonl, tb/, checkpoints/, eval/, figures/,
// shift-eval/, and an experiment's scores-os<N>.json + eval-os<N>/}; runPaths() is the one place that names them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

/** Paths inside a run directory. */
export interface RunPaths {
  root: string;
  config: string;
  files: string;
  /** train.loss.classWeights as the run computed them (src/train/class-weights.ts); a resume reads them back. */
  classWeights: string;
  metrics: string;
  tb: string;
  /** Checkpoint files (their names: CheckpointDir in checkpoint.ts). */
  checkpoints: string;
  /** Eval result files: training's validations and `shapeseg eval`'s default output. */
  eval: string;
  /** Figures of the eval results in eval/, where `shapeseg report` looks. */
  figures: string;
  /** `shapeseg shift-eval`'s default output. */
  shiftEval: string;
  /** An experiment's scores of the run at one output stride. */
  scoresFile: (outputStride: number) => string;
  /** An experiment's evaluation outputs at one output stride. */
  evalDirAt: (outputStride: number) => string;
}

/** The paths of the run directory rooted at `root`. */
export function runPaths(root: string): RunPaths {
  return {
    root,
    config: path.join(root, 'config.json'),
    files: path.join(root, 'files.json'),
    classWeights: path.join(root, 'class-weights.json'),
    metrics: path.join(root, 'metrics.jsonl'),
    tb: path.join(root, 'tb'),
    checkpoints: path.join(root, 'checkpoints'),
    eval: path.join(root, 'eval'),
    figures: path.join(root, 'figures'),
    shiftEval: path.join(root, 'shift-eval'),
    scoresFile: (outputStride) => path.join(root, `scores-os${outputStride}.json`),
    evalDirAt: (outputStride) => path.join(root, `eval-os${outputStride}`),
  };
}

/** `<run>` when `checkpoint` sits in the checkpoints/ folder of a run directory `<run>`, else null. */
export function runDirOf(checkpoint: string): string | null {
  const dir = path.dirname(path.resolve(checkpoint));
  const root = path.dirname(dir);
  return runPaths(root).checkpoints === dir ? root : null;
}

/** Creates the run directory; a fresh run refuses a directory that already holds checkpoints. */
export function prepareRunDir(root: string, resume: boolean): RunPaths {
  const p = runPaths(root);
  if (!resume && fs.existsSync(p.checkpoints) && fs.readdirSync(p.checkpoints).some((f) => f.endsWith('.safetensors'))) {
    throw new Error(`${root} already holds checkpoints of a run; pass --resume to continue it or --run-dir to start a new one elsewhere`);
  }
  for (const d of [p.root, p.tb, p.checkpoints, p.eval]) fs.mkdirSync(d, { recursive: true });
  return p;
}

/** Writes JSON with a trailing newline, atomically. */
export function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, (fd) => fs.writeSync(fd, `${JSON.stringify(value, null, 2)}\n`));
}

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) out.set(prefix, JSON.stringify(v));
}

/** Field-by-field differences between two configs, as `path: old → new` lines. */
export function configDiff(before: unknown, after: unknown): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before, '', a);
  flatten(after, '', b);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k) ?? '(unset)'} → ${b.get(k) ?? '(unset)'}`);
}
