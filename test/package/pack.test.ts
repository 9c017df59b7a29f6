// The published package as a user gets it: `npm pack` the repository, install the tarball into a fresh
// project, and run docs/api.md's examples there (taken from the installed copy of the doc, so the doc and
// the package cannot drift apart). Nothing here imports src/: only what the tarball ships is exercised.
//
// Offline and fast: dependencies install with `npm ci --offline --ignore-scripts` from a lockfile derived
// from the repository's (the npm cache holds those exact versions after the repository's `npm ci`; a
// plain `npm install <tgz>` would need registry metadata); only a cache without them goes to the registry. --ignore-scripts skips npm's default
// `node-gyp rebuild` of the addon (minutes); the installed package is pointed at the addon this checkout
// built through SHAPESEG_ADDON (src/tensor/native.ts) instead of copying the .node file in.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const addon = path.join(root, 'build', 'Release', 'shapeseg.node');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const skip = fs.existsSync(addon) ? false : `no built addon at ${addon}`;

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  dependencies: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  exports: Record<string, unknown>;
}

interface LockEntry {
  dev?: boolean;
}

/** The ```js example=NAME blocks of a markdown file, by name. */
function examples(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/^```js example=(\S+)\n([\s\S]*?)^```$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

describe('the packed tarball, installed into a separate project', { skip }, () => {
  let tmp = '';
  let project = '';
  let installed = '';
  let docs = new Map<string, string>();
  const env = { ...process.env, SHAPESEG_ADDON: addon };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-pack-'));
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root)) as Array<{ filename: string }>;
    const tarball = path.join(tmp, packed[0]!.filename);
    project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const spec = `file:${path.relative(project, tarball)}`;
    // the repository's runtime dependency tree, with shapeseg itself coming from the tarball
    const packages: Record<string, unknown> = {
      '': { name: 'consumer', dependencies: { shapeseg: spec } },
      'node_modules/shapeseg': {
        version: pkg.version,
        resolved: spec,
        license: pkg.license,
        dependencies: pkg.dependencies,
        bin: pkg.bin,
        engines: pkg.engines,
      },
    };
    for (const [k, v] of Object.entries(lock.packages)) if (k !== '' && !v.dev) packages[k] = v;
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { shapeseg: spec } }));
    fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
    const ci = ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
    try {
      run('npm', [...ci, '--offline'], project);
    } catch (e) {
      // a cache without these tarballs (node_modules not made by `npm ci` here): fetch what is missing
      if (!/ENOTCACHED/.test((e as Error).message)) throw e;
      run('npm', [...ci, '--prefer-offline'], project);
    }
    installed = path.join(project, 'node_modules', 'shapeseg');
    docs = examples(fs.readFileSync(path.join(installed, 'docs', 'api.md'), 'utf8'));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds the built library, the addon sources and the docs, not tests or bench', () => {
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/main.js',
      'binding.gyp',
      'native/addon.cc',
      'scripts/find-libtorch.mjs',
      'configs/demo.yaml',
      'README.md',
    ]) {
      assert.ok(fs.existsSync(path.join(installed, f)), `${f} missing from the package`);
    }
    for (const f of ['dist/test', 'dist/bench', 'test', 'bench', 'src', 'build']) {
      assert.ok(!fs.existsSync(path.join(installed, f)), `${f} should not be in the package`);
    }
    assert.deepEqual([...docs.keys()].sort(), ['inference', 'segmenter', 'training']);
  });

  test("docs/api.md's inference example runs: deeplabv3_resnet50, checkpoint round trip, predict, evaluate", () => {
    fs.writeFileSync(path.join(project, 'inference.mjs'), docs.get('inference')!);
    const out = run(process.execPath, ['inference.mjs'], project, env);
    assert.match(out, /^loaded deeplabv3_resnet50 with 10 classes$/m);
    assert.match(out, /^prediction shape \[1, 64, 64\]$/m);
    assert.match(out, /^mIoU \d+\.\d% over 1 image\(s\)$/m);
  });

  test("docs/api.md's Segmenter example runs: a folder of two sizes in sliding windows with flip", () => {
    fs.writeFileSync(path.join(project, 'segmenter.mjs'), docs.get('segmenter')!);
    const out = run(process.execPath, ['segmenter.mjs'], project, env);
    assert.deepEqual(
      [...out.matchAll(/^(\w\.png): (\d+x\d+), classes \w/gm)].map((m) => `${m[1]} ${m[2]}`),
      ['a.png 96x64', 'b.png 80x48', 'c.png 96x64'],
      out,
    );
  });

  test("docs/api.md's custom training loop runs two SGD steps with finite losses and the poly schedule", () => {
    fs.writeFileSync(path.join(project, 'training.mjs'), docs.get('training')!);
    const out = run(process.execPath, ['training.mjs'], project, env);
    const steps = [...out.matchAll(/^step (\d): loss (\S+) at lr (\S+)$/gm)];
    assert.deepEqual(
      steps.map((m) => m[1]),
      ['1', '2'],
      out,
    );
    for (const m of steps) assert.ok(Number.isFinite(Number(m[2])) && Number(m[2]) > 0, `loss ${m[2]}`);
    // lr·(1 − 1/2)^0.9 at the second step
    assert.deepEqual(
      steps.map((m) => Number(m[3])),
      [0.01, Number((0.01 * 0.5 ** 0.9).toFixed(5))],
    );
  });

  test('the examples type-check against the installed type declarations; deep imports are refused', () => {
    for (const name of docs.keys()) fs.writeFileSync(path.join(project, `${name}.mts`), docs.get(name)!);
    fs.writeFileSync(path.join(project, 'deep.mts'), "import { Tensor } from 'shapeseg/dist/src/tensor/tensor.js';\nexport const t: Tensor | null = null;\n");
    const flags = [
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--skipLibCheck',
      '--lib',
      'es2022,esnext.disposable',
      '--types',
      'node',
      '--typeRoots',
      path.join(root, 'node_modules', '@types'),
    ];
    run(process.execPath, [tsc, ...flags, ...[...docs.keys()].map((n) => `${n}.mts`)], project);
    assert.throws(() => run(process.execPath, [tsc, ...flags, 'deep.mts'], project), /Cannot find module 'shapeseg\/dist\/src\/tensor\/tensor\.js'/);
    // and at run time, Node's exports map refuses it the same way
    const probe = "import('shapeseg/dist/src/tensor/tensor.js').then(() => console.log('imported'), (e) => console.log(e.code))";
    assert.equal(run(process.execPath, ['--input-type=module', '-e', probe], project, env).trim(), 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
