// Helpers for end-to-end tests: run the built `shapeseg` CLI as a child process, write run configs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';

/** dist/src/cli/main.js, the executable the package's `bin` points at. */
export const MAIN = path.resolve(import.meta.dirname, '../../src/cli/main.js');
/** The package's configs/ folder (outside dist/). */
export const CONFIGS = path.resolve(import.meta.dirname, '../../../configs');

/** What a finished CLI process left behind. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `shapeseg ...args` (stdio is not a TTY, so no progress bars) in opts.cwd (default: this process's), within opts.timeoutMs (default 150 s). */
export function runShapeseg(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 150_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `shapeseg ...args` in `cwd`; at most 150 s. */
export function shapeseg(cwd: string, ...args: string[]): CliResult {
  return runShapeseg(args, { cwd });
}

/** Asserts exit status 0, showing the command's output when it is not. */
export function assertOk(r: CliResult, what: string): void {
  assert.equal(r.status, 0, `${what} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
}

/** Writes `value` as YAML to `file` and returns the path. */
export function writeYaml(file: string, value: unknown): string {
  fs.writeFileSync(file, YAML.stringify(value));
  return file;
}

/** Name, size and mtime of every file in `dir` (sorted): equal snapshots mean nothing was touched. */
export function snapshot(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => {
      const st = fs.statSync(path.join(dir, f));
      return `${f} ${st.size} ${st.mtimeMs}`;
    });
}

/** True when `file` starts with the PNG signature. */
export function isPng(file: string): boolean {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return fs.existsSync(file) && fs.readFileSync(file).subarray(0, 8).equals(sig);
}
