// `shapeseg shift-eval --checkpoint X [--suite DIR]`: the model on every style of a texture-shift suite
// (same scenes, other surfaces): per-style metrics and drops, the selection and held-out means, styles × classes
// IoU, the shape-bias score on the cue-conflict style, example figures per style; writes <out>/shift-eval.json.
import path from 'node:path';
import type { Command } from 'commander';
import { adaptationLabel } from '../eval/adapt/options.js';
import { bandOptions } from '../eval/boundary-band.js';
import { readModelCheckpoint } from '../eval/load-model.js';
import { ImageProgress } from '../eval/progress.js';
import { parseBatchNorm, parseOutputStride, parseScales, resolveDevice, resolveLabelSpace } from '../eval/setup.js';
import { runShiftEval } from '../eval/shift-eval.js';
import { formatShiftEval } from '../eval/shift-table.js';
import { evenlySpaced } from '../report/figures.js';
import { writeShiftEvalOutput } from '../report/shift-eval-output.js';
import { defaultSuiteDir, ensureSuite, readSuiteManifest } from '../synth/suite.js';
import { runDirOf, runPaths } from '../train/run-dir.js';
import { type AdaptFlags, adaptationNote, adaptFromFlags, addAdaptOptions } from './adapt-flags.js';

interface ShiftEvalFlags extends AdaptFlags {
  checkpoint: string;
  suite?: string;
  cache: string;
  frames: string;
  size: string;
  labelSpace?: string;
  outputStride: string;
  scales?: string;
  flip?: boolean;
  bn: string;
  device?: string;
  limit?: string;
  boundary?: string | boolean;
  trimap?: string | boolean;
  figures: string;
  out?: string;
  progress?: boolean;
}

function count(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(text)}`);
  return n;
}

function size(text: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new Error(`--size: expected HEIGHTxWIDTH such as 112x368, got ${JSON.stringify(text)}`);
  return [Number(m[1]), Number(m[2])];
}

/** Registers `shift-eval`. */
export function registerShiftEvalCommand(program: Command): void {
  const cmd = program
    .command('shift-eval')
    .description(
      'texture-shift suite: metrics per style (training, selection, held-out, texture-free, cue-conflict), drops, the selection and held-out means, and the shape-bias score',
    )
    .requiredOption('-c, --checkpoint <file>', 'model checkpoint (shapeseg .safetensors or torchvision deeplabv3 .pth)')
    .option('--suite <dir>', "a suite written by `shapeseg synth --suite` (default: the demo's held-out scenes, built once into --cache)")
    .option('--cache <dir>', 'where the default suite is built and kept', path.join('.cache', 'shift-suite'))
    .option('--frames <n>', 'frames of the default suite', '40')
    .option('--size <HxW>', 'image size of the default suite', '112x368')
    .option('-l, --label-space <name>', "label space (default: the checkpoint's)")
    .option('--output-stride <n>', 'output stride to evaluate at (8 or 16)', '8')
    .option('--scales <list>', 'multi-scale inference, e.g. 0.75,1,1.25')
    .option('--flip', 'also average the horizontally flipped input')
    .option('--bn <main|aux>', "BatchNorm to normalise with: the model's own, or the auxiliary one of a run trained with augment.auxBatchNorm", 'main')
    .option('--device <device>', 'cpu, cuda or cuda:N (default: cuda if available)')
    .option('--limit <n>', 'evaluate only the first n images of each style')
    .option('--boundary [ratio]', 'also Boundary IoU per style (band = ratio x image diagonal, default 0.02)')
    .option('--trimap [ratio]', 'also trimap-band mIoU per style (default 0.02)')
    .option('--figures <n>', 'example rows per style figure (the same scenes in every style)', '2')
    .option(
      '-o, --out <dir>',
      "output folder (default <run>/shift-eval[-aux-bn][-bn-adapt|-tent] beside the checkpoint's run, else ./shift-eval[-…]: --bn aux and --adapt each add their suffix)",
    )
    .option('--no-progress', 'no progress output')
    .action(async (flags: ShiftEvalFlags) => {
      const device = resolveDevice(flags.device);
      const outputStride = parseOutputStride(flags.outputStride);
      const scales = flags.scales ? parseScales(flags.scales) : [1];
      const limit = count('--limit', flags.limit, 1);
      const nFigures = count('--figures', flags.figures, 0) ?? 0;
      const bands = bandOptions(flags);
      const adapt = adaptFromFlags(flags);
      const batchNorm = parseBatchNorm(flags.bn);
      const log = (s: string) => process.stderr.write(`${s}\n`);
      let suiteDir: string;
      if (flags.suite !== undefined) suiteDir = path.resolve(flags.suite);
      else {
        const frames = count('--frames', flags.frames, 1)!;
        const [height, width] = size(flags.size);
        suiteDir = defaultSuiteDir(flags.cache, { frames, height, width });
        log(`suite: the default suite in ${suiteDir} (written on first use)`);
        await ensureSuite({ out: suiteDir, frames, height, width });
      }
      const manifest = readSuiteManifest(suiteDir);
      const { model, info } = readModelCheckpoint(flags.checkpoint, { device, outputStride, batchNorm });
      try {
        const labelSpace = resolveLabelSpace(flags.labelSpace, info);
        const runDir = runDirOf(flags.checkpoint);
        // the auxiliary BatchNorm's and adapted results go to folders of their own, beside the source-only main ones, not over them
        const suffix = (batchNorm === 'aux' ? '-aux-bn' : '') + (adapt ? `-${adaptationLabel(adapt)}` : '');
        const outDir = path.resolve(flags.out ?? `${runDir ? runPaths(runDir).shiftEval : 'shift-eval'}${suffix}`);
        log(
          `${info.name} (${info.kind}, ${info.numClasses} classes${batchNorm === 'aux' ? ', auxiliary BatchNorm' : ''}) on ${device}, OS ${outputStride}; suite ${suiteDir}: ${manifest.styles.map((s) => s.name).join(', ')}`,
        );
        if (adapt) log(adaptationNote(adapt, "each style's own images"));
        const images = manifest.frames * manifest.worlds.length * manifest.variations.length;
        const perStyle = Math.min(limit ?? images, images);
        let progress: ImageProgress | null = null;
        let current = '';
        const run = await runShiftEval(
          model,
          suiteDir,
          manifest,
          { checkpoint: path.resolve(flags.checkpoint), model: info.name },
          {
            labelSpace,
            device,
            outputStride,
            scales,
            flip: flags.flip ?? false,
            batchNorm,
            ...(limit !== undefined ? { limit } : {}),
            ...bands,
            exampleIndices: evenlySpaced(perStyle, nFigures),
            adapt,
            onProgress: (style, done, total) => {
              if (flags.progress === false) return;
              if (style !== current) {
                progress?.stop();
                progress = new ImageProgress(style, total);
                current = style;
              }
              progress!.update(done, style);
            },
          },
        ).finally(() => (progress as ImageProgress | null)?.stop());
        const out = await writeShiftEvalOutput(outDir, run, labelSpace);
        const { file } = run;
        process.stdout.write(`${formatShiftEval(file)}\n`);
        log(`wrote ${out}`);
      } finally {
        model.dispose();
      }
    });
  // --adapt and its settings, shared with eval
  addAdaptOptions(cmd);
}
