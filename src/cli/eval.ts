// `shapeseg eval --checkpoint X --data <layout>:<root> --output-stride 8 [--scales ..] [--flip] --out results.json`
import path from 'node:path';
import type { Command } from 'commander';
import type { Sample } from '../data/dataset.js';
import { reportedSubsets } from '../data/label-spaces.js';
import { openDataset } from '../data/open.js';
import { type AdaptOptions, adaptationLabel } from '../eval/adapt/options.js';
import { adaptationRecord } from '../eval/adapt/record.js';
import { formatBandSummary } from '../eval/band-summary.js';
import { bandOptions } from '../eval/boundary-band.js';
import { evaluate, evaluationToFile, writeEvalResult } from '../eval/evaluate.js';
import { readModelCheckpoint } from '../eval/load-model.js';
import { ImageProgress } from '../eval/progress.js';
import { dataConfigFor, describeData, parseBatchNorm, parseOutputStride, parseScales, resolveDevice, resolveLabelSpace } from '../eval/setup.js';
import { formatMetricsTable } from '../eval/table.js';
import type { BatchNormChoice } from '../nn/batchnorm-choice.js';
import { type Example, evenlySpaced, writeExampleGrid } from '../report/figures.js';
import { runDirOf, runPaths } from '../train/run-dir.js';
import { type AdaptFlags, adaptationNote, adaptFromFlags, addAdaptOptions } from './adapt-flags.js';

interface EvalFlags extends AdaptFlags {
  checkpoint: string;
  data?: string;
  filter?: string;
  split?: string;
  labelSpace?: string;
  outputStride: string;
  scales?: string;
  flip?: boolean;
  bn: string;
  device?: string;
  limit?: string;
  perImage?: boolean;
  figures?: string;
  out?: string;
  progress?: boolean;
  boundary?: string | boolean;
  trimap?: string | boolean;
}

/**
 * The figure of results file `out` (`X.json` -> `X.png`): in `<run>/figures/` when `out` is in `<run>/eval/` (where
 * `shapeseg report` looks), else beside `out`, so two results files never share a figure.
 */
export function figurePathFor(out: string, runDir: string | null): string {
  const { dir, name } = path.parse(path.resolve(out));
  const run = runDir === null ? null : runPaths(path.resolve(runDir));
  return path.join(run !== null && dir === run.eval ? run.figures : dir, `${name}.png`);
}

/**
 * Default result name: `<layout>-os8[-ms0.75_1_1.25][-flip][-aux-bn][-bn-adapt|-tent]` (adapted results and the
 * auxiliary BatchNorm's never overwrite the source-only, main-BatchNorm ones).
 */
export function evalName(
  layout: string,
  os: number,
  scales: readonly number[],
  flip: boolean,
  adapt: AdaptOptions | null = null,
  batchNorm: BatchNormChoice = 'main',
): string {
  const ms = scales.length === 1 && scales[0] === 1 ? '' : `-ms${scales.join('_')}`;
  return `${layout}-os${os}${ms}${flip ? '-flip' : ''}${batchNorm === 'aux' ? '-aux-bn' : ''}${adapt ? `-${adaptationLabel(adapt)}` : ''}`;
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

/** Registers `eval`: metrics of a checkpoint on a dataset, printed as a table and written as JSON. */
export function registerEvalCommand(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate a checkpoint (ours or a torchvision deeplabv3 .pth): per-class IoU, mIoU, pixel accuracy, fwIoU')
    .requiredOption('-c, --checkpoint <file>', 'model checkpoint: a shapeseg .safetensors or a torchvision deeplabv3_resnet50/101 .pth')
    .option('-d, --data <layout:root>', 'dataset, e.g. kitti:/data/kitti or vkitti1:/data/vkitti (default: the run config data.<split> in the checkpoint)')
    .option('--filter <yaml>', 'dataset subset as YAML, e.g. "{frames: {start: 150}}" or "{worlds: [\'0002\'], variations: [clone]}"')
    .option('--split <name>', "without --data: which split of the checkpoint's run config to use (val or train)", undefined)
    .option('-l, --label-space <name>', "label space of the classes (default: the checkpoint's), e.g. vkitti-kitti")
    .option('--output-stride <n>', 'output stride to evaluate at (8 or 16); use what the model was trained at', '8')
    .option('--scales <list>', 'multi-scale inference, e.g. 0.75,1,1.25 (softmax averaged)')
    .option('--flip', 'also average the horizontally flipped input')
    .option('--bn <main|aux>', "BatchNorm to normalise with: the model's own, or the auxiliary one of a run trained with augment.auxBatchNorm", 'main')
    .option('--device <device>', 'cpu, cuda or cuda:N (default: cuda if available)')
    .option('--limit <n>', 'evaluate only the first n images')
    .option('--per-image', 'record per-image mIoU and pixel accuracy in the JSON')
    .option('--boundary [ratio]', 'also Boundary IoU per class (Cheng et al. 2021), band = ratio x image diagonal (default 0.02)')
    .option('--trimap [ratio]', 'also mIoU within ratio x image diagonal of ground-truth class boundaries (default 0.02)')
    .option(
      '--figures <n>',
      'also write a grid figure (image | gt | prediction | errors) of n evenly spaced images, named after the results file (X.json: <run>/figures/X.png for results in <run>/eval/, else X.png beside it)',
      '0',
    )
    .option('-o, --out <file>', "results JSON (default <run>/eval/<layout>-os<N>.json beside the checkpoint's run, else ./<that name>.json)")
    .option('--no-progress', 'no progress output')
    .action(async (flags: EvalFlags) => {
      if (flags.data !== undefined && flags.split !== undefined)
        throw new Error("--split picks a split of the checkpoint's run config; with --data use --filter to choose a subset");
      const device = resolveDevice(flags.device);
      const outputStride = parseOutputStride(flags.outputStride);
      const scales = flags.scales ? parseScales(flags.scales) : [1];
      const flip = flags.flip ?? false;
      const limit = positiveInt('--limit', flags.limit);
      const nFigures = positiveInt('--figures', flags.figures) ?? 0;
      const bands = bandOptions(flags);
      const adapt = adaptFromFlags(flags);
      const batchNorm = parseBatchNorm(flags.bn);
      const { model, info } = readModelCheckpoint(flags.checkpoint, { device, outputStride, batchNorm });
      try {
        const labelSpace = resolveLabelSpace(flags.labelSpace, info);
        const dataCfg = dataConfigFor({ spec: flags.data, filter: flags.filter, split: flags.split, labelSpace: labelSpace.name }, info);
        const dataset = await openDataset(dataCfg);
        const count = limit !== undefined ? Math.min(limit, dataset.length) : dataset.length;
        const indices = Array.from({ length: count }, (_, i) => i);
        const name = evalName(dataCfg.layout, outputStride, scales, flip, adapt, batchNorm);
        const runDir = runDirOf(flags.checkpoint);
        const out = flags.out ?? (runDir ? path.join(runPaths(runDir).eval, `${name}.json`) : `${name}.json`);
        const log = (s: string) => process.stderr.write(`${s}\n`);
        log(
          `${info.name} (${info.kind}, ${info.numClasses} classes${info.step !== null ? `, step ${info.step}` : ''}) on ${device}, OS ${outputStride}${scales.length > 1 || scales[0] !== 1 ? `, scales ${scales.join(',')}` : ''}${flip ? ', flip' : ''}${batchNorm === 'aux' ? ', auxiliary BatchNorm' : ''}`,
        );
        log(`data: ${describeData(dataCfg)}: ${count} of ${dataset.length} images, label space ${labelSpace.name}`);
        if (adapt) log(adaptationNote(adapt, `these ${count} images`));
        if (info.trainedOutputStride !== null && info.trainedOutputStride !== outputStride)
          log(`note: the checkpoint was last trained at output stride ${info.trainedOutputStride}`);
        const figIds = new Set(evenlySpaced(count, nFigures));
        const examples: Example[] = [];
        const collect = (s: Sample, pred: Uint8Array) => {
          examples.push({ image: s.image, label: s.label, pred, width: s.width, height: s.height });
        };
        const progress = new ImageProgress('eval', count, flags.progress === false ? 'off' : undefined);
        let k = 0;
        const result = await evaluate(model, dataset, {
          labelSpace,
          device,
          outputStride,
          scales,
          flip,
          indices,
          perImage: flags.perImage ?? false,
          ...bands,
          adapt,
          onProgress: (done, _total, id) => progress.update(done, id),
          ...(nFigures > 0 ? { onPrediction: (s: Sample, p: Uint8Array) => (figIds.has(k++) ? collect(s, p) : undefined) } : {}),
        }).finally(() => progress.stop());
        process.stdout.write(
          `${formatMetricsTable(result.metrics, labelSpace.classes, `${path.basename(flags.checkpoint)} on ${describeData(dataCfg)} (${count} images, ${result.seconds.toFixed(1)} s)`, reportedSubsets(labelSpace.name))}\n`,
        );
        for (const line of formatBandSummary(result)) process.stdout.write(`${line}\n`);
        const file = evaluationToFile(result, {
          checkpoint: path.resolve(flags.checkpoint),
          model: info.name,
          labelSpace: labelSpace.name,
          classNames: labelSpace.classes,
          data: { spec: describeData(dataCfg), split: flags.split ?? null, count },
          outputStride,
          scales,
          flip,
          batchNorm,
          adaptation: adaptationRecord(adapt, count, describeData(dataCfg)),
        });
        await writeEvalResult(out, file);
        log(`wrote ${out}`);
        if (examples.length > 0) {
          const fig = figurePathFor(out, runDir);
          await writeExampleGrid(fig, examples, labelSpace.colors);
          log(`wrote ${fig}`);
        }
      } finally {
        model.dispose();
      }
    });
  // --adapt and its settings, shared with shift-eval
  addAdaptOptions(cmd);
}
