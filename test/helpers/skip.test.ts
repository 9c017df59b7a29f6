// The skip policy of tests against oracles: skip with the reason locally, fail under CI=true (test/helpers/skip.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { skipIfMissing } from './skip.js';

/** Runs fn with process.env.CI set to ci (deleted when undefined), then restores it. */
function withCi<T>(ci: string | undefined, fn: () => T): T {
  const prev = process.env.CI;
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
  try {
    return fn();
  } finally {
    if (prev === undefined) delete process.env.CI;
    else process.env.CI = prev;
  }
}

describe('skipIfMissing', () => {
  it('never skips what is there', () => {
    for (const ci of [undefined, 'true']) {
      assert.equal(
        withCi(ci, () => skipIfMissing(null)),
        false,
      );
      assert.equal(
        withCi(ci, () => skipIfMissing(null, 'optional')),
        false,
      );
    }
  });

  it('skips with the reason outside CI', () => {
    assert.equal(
      withCi(undefined, () => skipIfMissing('chromium not found')),
      'chromium not found',
    );
  });

  it('under CI=true a missing required oracle throws; an optional one still skips, saying it is optional', () => {
    assert.throws(() => withCi('true', () => skipIfMissing('chromium not found')), /CI=true and chromium not found: scripts\/test\.sh installs it/);
    assert.match(withCi('true', () => skipIfMissing('tensorboard is not installed', 'optional')) as string, /tensorboard is not installed \(optional/);
  });
});

describe('a test file whose Python oracle is missing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const helper = pathToFileURL(path.join(import.meta.dirname, 'python.js')).href;
  const file = path.join(dir, 'parity.test.mjs');
  fs.writeFileSync(
    file,
    [
      "import { describe, it } from 'node:test';",
      `import { skipWithoutPythonModules } from ${JSON.stringify(helper)};`,
      "describe('parity', { skip: skipWithoutPythonModules('shapeseg_no_such_module') }, () => { it('checks', () => {}); });",
    ].join('\n'),
  );
  const run = (ci: string | undefined) => {
    const env = { ...process.env };
    delete env.CI;
    if (ci !== undefined) env.CI = ci;
    delete env.NODE_TEST_CONTEXT; // a child of a running test would otherwise report to it instead of running its own
    return spawnSync(process.execPath, ['--test', file], { encoding: 'utf8', env, timeout: 60_000 });
  };

  it('skips, naming the module, when CI is not set', () => {
    const r = run(undefined);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# SKIP .*cannot import shapeseg_no_such_module/);
  });

  it('fails the run under CI=true', () => {
    const r = run('true');
    assert.notEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /CI=true and .*cannot import shapeseg_no_such_module/);
  });
});
