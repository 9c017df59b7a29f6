// A run directory: runs/<name>/{config.json, files.json, metrics.jsonl, tb/, checkpoints/, eval/}.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

/** Paths inside a run directory. */
export interface RunPaths {
  root: string;
  config: string;
  files: string;
  metrics: string;
  tb: string;
  checkpoints: string;
  eval: string;
}

/** The paths of the run directory rooted at `root`. */
export function runPaths(root: string): RunPaths {
  return {
    root,
    config: path.join(root, 'config.json'),
    files: path.join(root, 'files.json'),
    metrics: path.join(root, 'metrics.jsonl'),
    tb: path.join(root, 'tb'),
    checkpoints: path.join(root, 'checkpoints'),
    eval: path.join(root, 'eval'),
  };
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
