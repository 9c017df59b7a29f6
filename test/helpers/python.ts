// Runs snippets under the system Python that has torch/torchvision (the reference oracle for tests).
import { spawnSync } from 'node:child_process';

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

const probes = new Map<string, boolean>();

/** Whether /usr/bin/python3 can import every module in `modules` (cached per set). */
export function hasPythonModules(...modules: string[]): boolean {
  const key = modules.join(',');
  let ok = probes.get(key);
  if (ok === undefined) {
    try {
      runPython(modules.map((m) => `import ${m}`).join('\n'), { timeoutMs: 60_000 });
      ok = true;
    } catch {
      ok = false;
    }
    probes.set(key, ok);
  }
  return ok;
}

/** Whether /usr/bin/python3 can import torch. */
export function hasTorch(): boolean {
  return hasPythonModules('torch');
}

/** Whether /usr/bin/python3 can import torch and torchvision. */
export function hasTorchvision(): boolean {
  return hasPythonModules('torch', 'torchvision');
}

/** A node:test `skip` value: false when torch (and torchvision if asked) import, else the reason. */
export function skipWithoutTorch(needTorchvision = false): string | false {
  if (needTorchvision ? hasTorchvision() : hasTorch()) return false;
  return `${PYTHON} cannot import torch${needTorchvision ? '/torchvision' : ''}: skipping tests against the PyTorch reference`;
}
