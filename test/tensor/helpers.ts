// Shared test helpers: tolerance checks and the Python torch oracle (Debian's torch under /usr/bin/python3).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PYTHON, skipWithoutTorch } from '../helpers/python.js';

/** Why the oracle cannot run (null when it can): /usr/bin/python3 must import torch and torchvision (under CI=true it must: throws). */
export function oracleUnavailable(): string | null {
  return skipWithoutTorch(true) || null;
}

/**
 * Runs a Python body with `inp` (the JSON of input) and `torch` in scope; the body assigns `out`, which comes back
 * as JSON. Tensors cross as nested lists: build them with torch.tensor(inp[...]) and return .tolist().
 */
export function runTorch<T>(body: string, input: unknown): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  try {
    const inFile = path.join(dir, 'in.json');
    const outFile = path.join(dir, 'out.json');
    fs.writeFileSync(inFile, JSON.stringify(input));
    const script = [
      'import json, sys, torch',
      'torch.set_num_threads(1)',
      'inp = json.load(open(sys.argv[1]))',
      'out = None',
      body,
      'json.dump(out, open(sys.argv[2], "w"))',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script, inFile, outFile], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`python oracle failed:\n${r.stderr}`);
    return JSON.parse(fs.readFileSync(outFile, 'utf8')) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Flattens nested number lists. */
export function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as number];
}

/** Asserts |a - e| <= atol + rtol * |e| elementwise, naming the first offending index. */
export function assertClose(actual: ArrayLike<number | bigint>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Plain numbers out of a typed array (BigInt64Array included). */
export function nums(a: ArrayLike<number | bigint>): number[] {
  return Array.from(a, (x) => Number(x));
}
