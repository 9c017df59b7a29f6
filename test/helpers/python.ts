// Runs snippets under the system Python that has torch/torchvision (the reference oracle for tests).
import { spawnSync } from 'node:child_process';
import { skipIfMissing } from './skip.js';

/**
 * The interpreter with Debian's torch + torchvision (the pyenv `python3` on PATH has no torch); SHAPESEG_PYTHON
 * overrides it (scripts/gpu/run.sh: the GPU machine's CUDA torch).
 */
export const PYTHON = process.env.SHAPESEG_PYTHON ?? '/usr/bin/python3';

/** Options for runPython. */
export interface RunPythonOptions {
  /** Extra arguments, visible to the code as sys.argv[1:]. */
  args?: string[];
  /** Bytes or text fed to stdin. */
  input?: string | Uint8Array;
  cwd?: string;
  /** Extra environment variables (merged over process.env). */
  env?: Record<string, string>;
  /** Kill after this many milliseconds (default 120000). */
  timeoutMs?: number;
}

/** Runs `code` with /usr/bin/python3 and returns its stdout; throws with stderr if it fails. */
export function runPython(code: string, opts: RunPythonOptions = {}): string {
  const r = spawnSync(PYTHON, ['-c', code, ...(opts.args ?? [])], {
    input: opts.input,
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`${PYTHON} failed to run: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${PYTHON} exited with ${r.status ?? r.signal}:\n${r.stderr.trim()}\n--- code ---\n${code}`);
  }
  return r.stdout;
}

const probes = new Map<string, string | null>();

/** Why /usr/bin/python3 cannot import every module in `modules` (its last stderr line), or null when it can (cached). */
export function pythonModulesMissing(...modules: string[]): string | null {
  const key = modules.join(',');
  let missing = probes.get(key);
  if (missing === undefined) {
    try {
      runPython(modules.map((m) => `import ${m}`).join('\n'), { timeoutMs: 60_000 });
      missing = null;
    } catch (e) {
      const lines = (e as Error).message.split('\n');
      missing = `${PYTHON} cannot import ${modules.join('/')} (${lines.find((l) => /Error:/.test(l)) ?? lines[0]})`;
    }
    probes.set(key, missing);
  }
  return missing;
}

/** Whether /usr/bin/python3 can import every module in `modules` (cached per set). */
export function hasPythonModules(...modules: string[]): boolean {
  return pythonModulesMissing(...modules) === null;
}

/** Whether /usr/bin/python3 can import torch. */
export function hasTorch(): boolean {
  return hasPythonModules('torch');
}

/** Whether /usr/bin/python3 can import torch and torchvision. */
export function hasTorchvision(): boolean {
  return hasPythonModules('torch', 'torchvision');
}

/**
 * A node:test `skip` value for tests against /usr/bin/python3 with `modules`: false when they import, else the
 * reason. scripts/test.sh installs them (Debian's python3-torchvision), so under CI=true a failed import fails the run.
 */
export function skipWithoutPythonModules(...modules: string[]): string | false {
  return skipIfMissing(pythonModulesMissing(...modules));
}

/** skipWithoutPythonModules for torch (and torchvision if asked): the PyTorch reference. */
export function skipWithoutTorch(needTorchvision = false): string | false {
  return skipWithoutPythonModules(...(needTorchvision ? ['torch', 'torchvision'] : ['torch']));
}
