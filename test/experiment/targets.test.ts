// `eval.targets`: an experiment scored on datasets in their real formats (here the synthetic stand-ins of
// src/synth: a Virtual KITTI 1.3.1 tree and a KITTI tree), compared per target, per class and over targets in
// Markdown, JSON and the HTML report; each run records what every target was; a target added to the file later
// is evaluated alone; a wrong target fails when the file is loaded, naming the field.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadExperiment } from '../../src/experiment/load.js';
import { type RunScores, type SetScores, targetComparison, targetsMarkdown } from '../../src/experiment/scores.js';
import { experimentSection } from '../../src/report/experiment-section.js';
import { buildReportHtml } from '../../src/report/html.js';
import { loadRuns } from '../../src/report/run-dir.js';
import { assertOk, shapeseg, snapshot, writeYaml } from '../e2e/cli.js';
import { inTempDir, tinyBase } from './tiny.js';

/** Writes an experiment over tinyBase with `targets` and returns its path. */
function experimentWith(dir: string, targets: unknown[], extra: Record<string, unknown> = {}): string {
  tinyBase(dir, path.join(dir, 'data'));
  return writeYaml(path.join(dir, 'e.yaml'), { base: 'base.yaml', eval: { outputStrides: [16], targets, ...extra }, runs: [{ name: 'baseline' }] });
}

test('a wrong target is refused when the file is loaded, naming eval.targets[i] and the field', () =>
  inTempDir((dir) => {
    const ok = { name: 'kitti', layout: 'kitti', root: path.join(dir, 'kitti') };
    const cases: Array<[unknown[], RegExp]> = [
      [[ok, { name: 'b', layout: 'vkitti1', root: '' }], /eval\.targets\[1\]\.root: /],
      [[ok, { name: 'b', layout: 'nope', root: 'x' }], /eval\.targets\[1\]\.layout: /],
      [[{ ...ok, frame: 3 }], /eval\.targets\[0\]\.frame: unknown field/],
      [[ok, { ...ok }], /eval\.targets: target names must be unique/],
      [[{ ...ok, name: 'a b' }], /eval\.targets\[0\]\.name: /],
      [[{ ...ok, labelSpace: 'vkitti' }], /eval\.targets\[0\]\.labelSpace: "vkitti" is not the label space run baseline trains in \("vkitti-kitti"\)/],
      [[{ ...ok, subsets: { few: ['road', 'tree'] } }], /eval\.targets\[0\]\.subsets\.few: "tree" not in label space vkitti-kitti/],
    ];
    for (const [targets, re] of cases) {
      const file = experimentWith(dir, targets);
      assert.throws(
        () => loadExperiment(file),
        (e: Error) => re.test(e.message) && e.message.includes(file),
        `${JSON.stringify(targets)} -> ${re}`,
      );
    }
  }));

test('targets: read in the run label space unless named; the suite is off unless asked for; old files keep their meaning', () =>
  inTempDir((dir) => {
    const e = loadExperiment(experimentWith(dir, [{ name: 'vk', layout: 'vkitti1', root: 'x', variations: ['fog'] }]));
    assert.equal(e.spec.eval.shiftSuite, false);
    const [t] = e.runs[0]!.targets;
    assert.equal(t!.data.labelSpace, 'vkitti-kitti'); // vkitti1's own default would be vkitti
    assert.deepEqual((t!.data as { variations?: string[] }).variations, ['fog']);
    assert.equal(t!.kind, 'target');
    assert.equal(loadExperiment(experimentWith(dir, [{ name: 'vk', layout: 'vkitti1', root: 'x' }], { shiftSuite: true })).spec.eval.shiftSuite, true);
    // no targets: the suite as before; suite off: data.val as the one target "val"
    const suite = loadExperiment(writeYaml(path.join(dir, 's.yaml'), { base: 'base.yaml', runs: [{ name: 'r' }] }));
    assert.equal(suite.spec.eval.shiftSuite, true);
    assert.deepEqual(suite.runs[0]!.targets, []);
    const val = loadExperiment(writeYaml(path.join(dir, 'v.yaml'), { base: 'base.yaml', eval: { shiftSuite: false }, runs: [{ name: 'r' }] }));
    assert.deepEqual(
      val.runs[0]!.targets.map((x) => [x.name, x.kind, x.data.root]),
      [['val', 'val', path.join(dir, 'data')]],
    );
  }));

const set = (name: string, mIoU: number, perClass: number[], sub?: number): SetScores => ({
  name,
  kind: 'target',
  mIoU,
  pixelAccuracy: 0.9,
  perClassIoU: perClass,
  ...(sub !== undefined ? { subsets: [{ name: 'mIoU-2', classes: ['a', 'b'], mIoU: sub }] } : {}),
  data: { layout: 'kitti', root: `/d/${name}`, labelSpace: 's', spec: `kitti:/d/${name}`, config: {}, files: 4, fileListSha256: name.repeat(8) },
});
const scores = (run: string, sets: SetScores[]): RunScores => ({
  run,
  outputStride: 8,
  checkpoint: '',
  classNames: ['a', 'b', 'c'],
  sets,
  shapeBias: null,
  shapeBiasPerClass: [],
});

test('targetComparison: mIoU per target, subsets, the mean over targets, per-class tables, and where the data differs', () => {
  const all = [
    scores('base', [set('t1', 0.3, [0.2, 0.4, 0.3], 0.3), set('t2', 0.5, [0.5, 0.5, 0.5], 0.5)]),
    scores('m', [
      set('t1', 0.4, [0.4, 0.4, 0.4], 0.4),
      { ...set('t2', 0.6, [0.6, 0.6, 0.6], 0.6), data: { ...set('t2', 0, []).data!, files: 5, fileListSha256: 'other' } },
    ]),
    scores('half', [set('t1', 0.2, [0.2, 0.2, 0.2])]),
  ];
  const c = targetComparison(all);
  assert.deepEqual(
    c.targets.map((t) => [t.name, t.subsets, t.differs]),
    [
      ['t1', [], []], // "half" has no subset for t1: not every run reports it
      ['t2', ['mIoU-2'], ['m @ OS 8']],
    ],
  );
  assert.deepEqual(c.meanSubsets, []);
  assert.ok(Math.abs(c.rows[0]!.mean! - 0.4) < 1e-12);
  assert.equal(c.rows[2]!.mean, null); // a target missing: no mean
  assert.equal(c.rows[1]!.perClass.t2!.b, 0.6);
  assert.equal(c.rows[1]!.subsetMIoU.t2!['mIoU-2'], 0.6);
  const md = targetsMarkdown(c);
  assert.match(md, /\| run \| OS \| t1 \| t2 \| t2 mIoU-2 \| mean \|/);
  assert.match(md, /\| base \| 8 \| 30\.0 \| 50\.0 \| 50\.0 \| 40\.0 \|/);
  assert.match(md, /\| half \| 8 \| 20\.0 \| – \| – \| – \|/);
  assert.match(md, /IoU per class on t2 \(%\):\n\n\| run \| OS \| a \| b \| c \| mIoU \|/);
  assert.match(md, /- t2: `kitti:\/d\/t2` \(4 files, file list sha256 t2t2t2t2t2t2, label space s\); \*\*other data for m @ OS 8\*\*/);
  assert.doesNotMatch(md, /Boundary IoU per class/); // not measured: no band tables
  const banded: SetScores = { ...set('t1', 0.3, [0.2, 0.4, 0.3]), boundaryIoU: 0.2, boundaryPerClassIoU: [0.1, null, 0.3], boundaryBand: 0.02 };
  const withBands = targetComparison([scores('base', [banded]), scores('old', [set('t1', 0.3, [0.2, 0.4, 0.3])])]);
  assert.deepEqual(withBands.rows[0]!.bands.t1!.boundary, { band: 0.02, mean: 0.2, perClass: { a: 0.1, b: null, c: 0.3 } });
  assert.equal(withBands.rows[0]!.bands.t1!.trimap, null);
  assert.match(
    targetsMarkdown(withBands),
    /Boundary IoU per class on t1, band 0\.02 of the diagonal \(%\):\n\n\| run \| OS \| a \| b \| c \| mean \|\n\|---\|---\|---:\|---:\|---:\|---:\|\n\| base \| 8 \| 10\.0 \| – \| 30\.0 \| 20\.0 \|\n\| old \| 8 \| – \| – \| – \| – \|/,
  );
  assert.match(experimentSection([scores('base', [banded])]), /<h3>Boundary IoU per class on t1, band 0\.02 of the diagonal<\/h3>/);
  const html = experimentSection(all);
  assert.match(html, /<h3>mIoU per target and the mean over targets<\/h3>/);
  assert.match(html, /<h3>IoU per class on t1<\/h3>/);
  assert.equal(experimentSection([]), '');
});

test('an experiment with two real-format targets writes the per-target comparison (md, json, html) and records each target', () =>
  inTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    const kitti = path.join(dir, 'kitti');
    const vkFog = path.join(dir, 'vkitti-fog');
    tinyBase(dir, data);
    const tiny = { frames: 2, height: 32, width: 96 };
    const targets = [
      { name: 'kitti', layout: 'kitti', root: kitti, subsets: { 'road-car': ['road', 'car'] } },
      { name: 'vkitti-fog', layout: 'vkitti1', root: vkFog, variations: ['fog'] },
    ];
    const spec = (ts: unknown[]) => ({
      description: 'two runs on two targets',
      base: 'base.yaml',
      synth: [
        { out: data, layout: 'vkitti1', worlds: ['0001'], frames: 3, height: 32, width: 96, seed: 1 },
        { out: kitti, layout: 'kitti', worlds: ['0020'], ...tiny, seed: 2 },
        { out: vkFog, layout: 'vkitti1', worlds: ['0002'], variations: ['clone', 'fog'], ...tiny, seed: 3 },
      ],
      eval: { outputStrides: [16], targets: ts, trimapBand: 0.02 },
      runs: [{ name: 'baseline' }, { name: 'higher-lr', override: { train: { schedule: { lr: 0.05 } } } }],
    });
    const file = writeYaml(path.join(dir, 'two.yaml'), spec(targets));
    const out = path.join(dir, 'out');
    const first = shapeseg(dir, 'experiment', file, '--out', out, '--no-progress');
    assertOk(first, 'experiment with two targets');
    // Markdown (printed and written): rows = runs, columns = targets + subset + mean; a per-class table per target
    const md = fs.readFileSync(path.join(out, 'comparison.md'), 'utf8');
    assert.match(md, /\| run \| OS \| kitti \| kitti road-car \| vkitti-fog \| mean \|/);
    assert.match(md, /\| baseline \| 16 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    assert.match(md, /\| higher-lr \| 16 \|/);
    assert.match(
      md,
      /IoU per class on kitti \(%\):\n\n\| run \| OS \| road \| building \| pole \| traffic light \| traffic sign \| vegetation \| terrain \| sky \| car \| truck \| mIoU \|/,
    );
    assert.match(md, /IoU per class on vkitti-fog/);
    // band metrics per class on every target: Boundary IoU (on by default) and the trimap band (asked for)
    assert.match(md, /Boundary IoU per class on kitti, band 0\.02 of the diagonal \(%\):\n\n\| run \| OS \| road \| .* \| truck \| mean \|/);
    assert.match(md, /Trimap-band IoU per class on vkitti-fog, band 0\.02 of the diagonal/);
    assert.match(md, new RegExp(`- kitti: \`kitti:${kitti.replace(/[/.]/g, '\\$&')}\` \\(2 files, file list sha256 [0-9a-f]{12}, label space vkitti-kitti\\)`));
    assert.match(md, /- vkitti-fog: `vkitti1:.*\{"variations":\["fog"\]\}` \(2 files/); // the filter leaves the clone frames out
    assert.doesNotMatch(md, /in-style mIoU/); // no suite asked for
    assert.match(first.stdout, /\| run \| OS \| kitti \|/);
    // JSON: the same numbers, computed from the scores
    const cmp = JSON.parse(fs.readFileSync(path.join(out, 'comparison.json'), 'utf8')) as {
      targets: {
        targets: Array<{ name: string; subsets: string[]; data: { files: number } }>;
        rows: Array<{ run: string; mIoU: Record<string, number>; mean: number }>;
      };
    };
    assert.deepEqual(
      cmp.targets.targets.map((t) => [t.name, t.subsets, t.data.files]),
      [
        ['kitti', ['road-car'], 2],
        ['vkitti-fog', [], 2],
      ],
    );
    for (const r of cmp.targets.rows) {
      const { kitti: a, 'vkitti-fog': b } = r.mIoU;
      assert.ok(a! >= 0 && a! <= 1 && b! >= 0 && b! <= 1, r.run);
      assert.ok(Math.abs(r.mean - (a! + b!) / 2) < 1e-12);
    }
    // each run's scores file records what each target was; its eval file is kept beside
    const s = JSON.parse(fs.readFileSync(path.join(out, 'baseline', 'scores-os16.json'), 'utf8')) as RunScores;
    const k = s.sets.find((x) => x.name === 'kitti')!;
    assert.equal(k.kind, 'target');
    assert.deepEqual(
      { layout: k.data!.layout, root: k.data!.root, labelSpace: k.data!.labelSpace, files: k.data!.files },
      { layout: 'kitti', root: kitti, labelSpace: 'vkitti-kitti', files: 2 },
    );
    assert.match(k.data!.fileListSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(
      k.subsets!.map((x) => [x.name, x.classes]),
      [['road-car', ['road', 'car']]],
    );
    assert.deepEqual(s.sets.find((x) => x.name === 'vkitti-fog')!.data!.config.variations, ['fog']);
    assert.ok(fs.existsSync(path.join(out, 'baseline', 'eval-os16', 'targets', 'kitti.json')));
    assert.ok(!fs.existsSync(path.join(out, 'baseline', 'eval-os16', 'shift-eval.json')));
    // HTML: the experiment's page, and `shapeseg report` over the run folders, both show the comparison
    const page = fs.readFileSync(path.join(out, 'comparison.html'), 'utf8');
    for (const html of [page, buildReportHtml(await loadRuns([path.join(out, 'baseline'), path.join(out, 'higher-lr')]))]) {
      assert.match(html, /<section id="experiment">/);
      assert.match(html, /<th>kitti road-car<\/th><th>vkitti-fog<\/th><th>mean<\/th>/);
      assert.match(html, /IoU per class on vkitti-fog/);
      assert.match(html, /higher-lr <span class="dim">OS 16<\/span>/);
    }
    // a target added later is evaluated alone: no training, the others' eval files untouched
    const before = snapshot(path.join(out, 'baseline', 'eval-os16', 'targets'));
    const kittiAll = { name: 'kitti-all', layout: 'kitti', root: kitti };
    writeYaml(file, spec([...targets, kittiAll]));
    const again = shapeseg(dir, 'experiment', file, '--out', out, '--no-progress');
    assertOk(again, 'experiment with a third target');
    assert.doesNotMatch(again.stderr, /training |target kitti at|target vkitti-fog at/);
    assert.match(again.stderr, /baseline at OS 16: evaluating kitti-all \(not in its scores yet\)/);
    assert.deepEqual(
      snapshot(path.join(out, 'baseline', 'eval-os16', 'targets')).filter((l) => !l.startsWith('kitti-all')),
      before,
    );
    assert.match(fs.readFileSync(path.join(out, 'comparison.md'), 'utf8'), /\| kitti \| kitti road-car \| vkitti-fog \| kitti-all \| mean \|/);
  }));

test('a target read in synthia16 also reports the 13-class mIoU of the SYNTHIA literature', () =>
  inTempDir((dir) => {
    writeYaml(path.join(dir, 'base.yaml'), {
      model: { name: 'deeplabv3_resnet18' },
      data: { train: { layout: 'kitti', root: path.join(dir, 'train'), labelSpace: 'synthia16' } },
      train: { phases: [{ steps: 2, outputStride: 16 }] },
    });
    const file = writeYaml(path.join(dir, 'e.yaml'), {
      base: 'base.yaml',
      eval: { targets: [{ name: 'kitti', layout: 'kitti', root: path.join(dir, 'kitti'), subsets: { flat: ['road', 'sidewalk'] } }] },
      runs: [{ name: 'r' }],
    });
    const [t] = loadExperiment(file).runs[0]!.targets;
    assert.equal(t!.data.labelSpace, 'synthia16');
    assert.deepEqual(
      t!.subsets.map((s) => [s.name, s.classes.length]),
      [
        ['mIoU13', 13],
        ['flat', 2],
      ],
    );
    assert.ok(!t!.subsets[0]!.classes.some((c) => ['wall', 'fence', 'pole'].includes(c)));
  }));
