/** `shapeseg synth`: writes a procedural road-scene dataset in a Virtual KITTI, KITTI, Cityscapes, GTA5 or SYNTHIA layout. */

import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { CITYSCAPES_SPLITS } from '../synth/benchmark-layouts.js';
import { generateDataset } from '../synth/generate.js';
import { LAYOUT_NAMES } from '../synth/layouts.js';
import { WORLD_IDS } from '../synth/scene.js';
import { generateSuite } from '../synth/suite.js';
import { STYLE_NAMES } from '../synth/suite-styles.js';
import { VARIATION_NAMES } from '../synth/variations.js';

interface SynthCliOptions {
  out: string;
  layout: string;
  frames: number;
  worlds: string[];
  variations: string[];
  size: [number, number];
  style: string;
  seed: number;
  concurrency: number;
  jpegQuality: number;
  split?: string;
  progress: boolean;
  suite?: boolean;
}

function intArg(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${flag} expects a non-negative integer, got "${v}"`);
    return Number(v);
  };
}

function listArg(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parses "HxW" (KITTI order: 375x1242). */
function sizeArg(v: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--size expects HEIGHTxWIDTH such as 375x1242, got "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

/** `--suite`: the texture-shift suite; options left at their defaults take the suite's (shapeseg demo's held-out scenes). */
async function writeSuite(cmd: Command, o: SynthCliOptions): Promise<void> {
  const given = (key: string): boolean => cmd.getOptionValueSource(key) === 'cli';
  const t0 = Date.now();
  const m = await generateSuite({
    out: o.out,
    ...(given('layout') ? { layout: o.layout as (typeof LAYOUT_NAMES)[number] } : {}),
    ...(given('frames') ? { frames: o.frames } : {}),
    ...(given('worlds') ? { worlds: o.worlds as Array<(typeof WORLD_IDS)[number]> } : {}),
    ...(given('variations') ? { variations: o.variations as Array<(typeof VARIATION_NAMES)[number]> } : {}),
    ...(given('size') ? { height: o.size[0], width: o.size[1] } : {}),
    ...(given('seed') ? { seed: o.seed } : {}),
    concurrency: o.concurrency,
    ...(o.progress
      ? {
          onProgress: (style: string, done: number, total: number) => {
            if (done === total) process.stderr.write(`synth: ${style} done (${total} files)\n`);
          },
        }
      : {}),
  });
  process.stdout.write(
    `synth: wrote the ${m.styles.length}-style suite (${m.styles.map((s) => s.name).join(', ')}) to ${o.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

/** Registers `synth` on a commander program. */
export function registerSynthCommand(program: Command): Command {
  const cmd: Command = program
    .command('synth')
    .description('generate a seeded synthetic road-scene dataset (Virtual KITTI 1.3.1 / 2, KITTI, Cityscapes, GTA5 or SYNTHIA layout)')
    .requiredOption('--out <dir>', 'dataset root directory')
    .option('--layout <name>', `layout: ${LAYOUT_NAMES.join('|')}`, 'vkitti1')
    .option('--frames <n>', 'frames per world and variation', intArg('--frames'), 20)
    .option('--worlds <ids>', `comma-separated worlds (${WORLD_IDS.join(',')})`, listArg, ['0001'])
    .option('--variations <names>', `comma-separated variations (${VARIATION_NAMES.join(',')})`, listArg, ['clone'])
    .option('--size <HxW>', 'image size, height x width', sizeArg, [375, 1242] as [number, number])
    .option('--style <name>', `texture style: ${STYLE_NAMES.join('|')}`, 'default')
    .option('--seed <n>', 'random seed', intArg('--seed'), 0)
    .option('--concurrency <n>', 'image encodes in flight', intArg('--concurrency'), 4)
    .option('--jpeg-quality <q>', 'JPEG quality (vkitti2 RGB)', intArg('--jpeg-quality'), 95)
    .option('--split <name>', `cityscapes layout: the split folder to write (${CITYSCAPES_SPLITS.join('|')}; default train)`)
    .option(
      '--suite',
      "write the texture-shift suite (every suite style of the same scenes + suite.json) into --out; unset options take the demo's held-out scenes (kitti, world 0020, 40 frames, 112x368, seed 2)",
    )
    .option('--no-progress', 'do not draw a progress bar')
    .action(async (o: SynthCliOptions) => {
      if (o.suite) {
        if (cmd.getOptionValueSource('style') === 'cli') cmd.error('error: --suite writes every suite style; drop --style');
        return writeSuite(cmd, o);
      }
      const bar =
        o.progress && process.stderr.isTTY
          ? new cliProgress.SingleBar(
              { format: 'synth [{bar}] {value}/{total} files | {eta_formatted} left', stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : null;
      let started = false;
      const t0 = Date.now();
      try {
        const res = await generateDataset({
          out: o.out,
          layout: o.layout as (typeof LAYOUT_NAMES)[number],
          frames: o.frames,
          worlds: o.worlds as Array<(typeof WORLD_IDS)[number]>,
          variations: o.variations as Array<(typeof VARIATION_NAMES)[number]>,
          height: o.size[0],
          width: o.size[1],
          style: o.style,
          seed: o.seed,
          concurrency: o.concurrency,
          jpegQuality: o.jpegQuality,
          ...(o.split !== undefined ? { split: o.split as (typeof CITYSCAPES_SPLITS)[number] } : {}),
          onProgress: (done, total) => {
            if (!bar) return;
            if (!started) {
              bar.start(total, done);
              started = true;
            } else bar.update(done);
          },
        });
        bar?.stop();
        process.stdout.write(`synth: wrote ${res.files} files to ${res.root} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      } catch (e) {
        bar?.stop();
        throw e;
      }
    });
  return cmd;
}
