// `shapeseg predict --checkpoint X (IMAGES... | --images IMAGES... | --data <layout>:<root> --ids ID...) --out DIR`,
// on the Segmenter API (src/deploy/segmenter.ts): checkpoints or .onnx files, whole images or sliding windows.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import sharp from 'sharp';
import type { Sample } from '../data/dataset.js';
import { readRgb } from '../data/image-io.js';
import type { LabelSpace } from '../data/label-spaces.js';
import type { SegmentOptions } from '../deploy/options.js';
import { Segmenter } from '../deploy/segmenter.js';
import { inspectModelCheckpoint } from '../eval/load-model.js';
import { ImageProgress } from '../eval/progress.js';
import { openEvalDataset, parseOutputStride, parseScales, resolveDevice, resolveLabelSpace } from '../eval/setup.js';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { colorize, overlay } from '../report/colorize.js';
import { composeGrid, type Example, exampleRow, writePng } from '../report/figures.js';
import { expandImagePaths, parseSize2 } from './predict-inputs.js';

interface PredictFlags {
  checkpoint: string;
  images?: string[];
  data?: string;
  filter?: string;
  split?: string;
  ids?: string[];
  labelSpace?: string;
  outputStride?: string;
  mode: string;
  crop?: string;
  stride?: string;
  batchSize: string;
  scales?: string;
  flip?: boolean;
  alpha: string;
  device?: string;
  out: string;
  progress?: boolean;
}

/** Most rows put into the combined grid.png. */
const MAX_GRID_ROWS = 16;

/** A file-name-safe stem for a sample id (`0001/clone/00340` → `0001_clone_00340`). */
export function safeStem(id: string): string {
  return id.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'image';
}

/** Lists what to predict: image files (no labels) or dataset samples by id (with labels). */
async function inputs(flags: PredictFlags, files: string[], space: () => LabelSpace): Promise<{ ids: string[]; load: (i: number) => Promise<Sample> }> {
  const byFiles = files.length > 0;
  const byData = flags.data !== undefined || flags.ids !== undefined || flags.split !== undefined;
  if (byFiles === byData)
    throw new Error('give either image files, folders or globs (or --images ...) or --data <layout>:<root> (or --split) with --ids ID...');
  if (byFiles) {
    const stem = (f: string) => path.basename(f).replace(/\.[^.]+$/, '');
    return {
      ids: files.map(stem),
      load: async (i) => {
        const r = await readRgb(files[i]!, 'image');
        return { image: r.data, label: Buffer.alloc(0), width: r.width, height: r.height, id: stem(files[i]!) };
      },
    };
  }
  // without --data the dataset comes from the checkpoint's embedded run config
  const config = flags.data === undefined && !isOnnx(flags.checkpoint) ? inspectModelCheckpoint(flags.checkpoint).info.config : null;
  const ds = await openEvalDataset(
    { spec: flags.data, filter: flags.filter, split: flags.split, labelSpace: space().name },
    { config, path: flags.checkpoint },
  );
  const all = ds.list();
  let indices: number[];
  if (flags.ids && flags.ids.length > 0) {
    const pos = new Map(all.map((r, i) => [r.id, i]));
    const missing = flags.ids.filter((id) => !pos.has(id));
    if (missing.length)
      throw new Error(
        `--ids not in the dataset: ${missing.join(', ')} (ids look like ${all
          .slice(0, 3)
          .map((r) => r.id)
          .join(', ')})`,
      );
    indices = flags.ids.map((id) => pos.get(id) as number);
  } else
    throw new Error(
      `--ids is required with --data (the dataset has ${all.length} samples, e.g. ${all
        .slice(0, 3)
        .map((r) => r.id)
        .join(', ')})`,
    );
  return { ids: indices.map((i) => all[i]!.id), load: (k) => ds.load(indices[k]!) };
}

const isOnnx = (file: string) => file.toLowerCase().endsWith('.onnx');

/** The Segmenter for the flags: libtorch at --output-stride (default 8) on --device, or onnxruntime for a .onnx file. */
function loadSegmenter(flags: PredictFlags): Promise<Segmenter> {
  if (isOnnx(flags.checkpoint)) {
    if (flags.outputStride !== undefined) throw new Error(`--output-stride: ${flags.checkpoint} is an ONNX graph with its stride fixed at export`);
    return Segmenter.load(flags.checkpoint, { device: flags.device === undefined ? undefined : resolveDevice(flags.device) });
  }
  return Segmenter.load(flags.checkpoint, { device: resolveDevice(flags.device), outputStride: parseOutputStride(flags.outputStride ?? '8') });
}

/** segment()'s options from --mode, --crop, --stride, --batch-size, --scales and --flip. */
function segmentOptions(flags: PredictFlags): SegmentOptions {
  const mode = flags.mode;
  if (mode !== 'whole' && mode !== 'slide') throw new Error(`--mode: expected whole or slide, got ${JSON.stringify(flags.mode)}`);
  if (flags.mode === 'slide' && flags.crop === undefined) throw new Error('--mode slide needs --crop HxW (and optionally --stride HxW)');
  if (flags.mode === 'whole' && (flags.crop !== undefined || flags.stride !== undefined)) throw new Error('--crop and --stride need --mode slide');
  const batchSize = Number(flags.batchSize);
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`--batch-size: expected a positive integer, got ${JSON.stringify(flags.batchSize)}`);
  return {
    mode,
    ...(flags.crop !== undefined ? { crop: parseSize2(flags.crop, '--crop') } : {}),
    ...(flags.stride !== undefined ? { stride: parseSize2(flags.stride, '--stride') } : {}),
    scales: flags.scales ? parseScales(flags.scales) : [1],
    flip: flags.flip ?? false,
    batchSize,
  };
}

/** Registers `predict`: colourised masks, overlays and comparison grids for images or dataset samples. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict segmentation masks; writes <id>_mask.png (colours), <id>_pred.png (class indices), <id>_overlay.png, <id>_grid.png and grid.png')
    .argument('[images...]', 'image files, folders (their images, sorted by name) or glob patterns (quoted), e.g. "photos/*.jpg"')
    .requiredOption('-c, --checkpoint <file>', 'model: shapeseg .safetensors, torchvision deeplabv3 .pth, or an exported .onnx')
    .option('--images <paths...>', 'image files, folders or globs (the same as the positional arguments)')
    .option('-d, --data <layout:root>', 'dataset to take --ids from, e.g. vkitti1:/data/vkitti (rows then show ground truth and errors)')
    .option('--filter <yaml>', 'dataset subset as YAML (see eval)')
    .option('--split <name>', "without --data: the split of the checkpoint's run config (val or train)")
    .option('--ids <ids...>', 'sample ids, e.g. 0001/clone/00340 (VKITTI 1) or 000000_10 (KITTI)')
    .option('-l, --label-space <name>', "label space (default: the checkpoint's)")
    .option('--output-stride <n>', 'output stride of a checkpoint (8 or 16; default 8)')
    .option('--mode <mode>', 'whole: each image in one pass; slide: overlapping --crop windows (mmsegmentation slide inference)', 'whole')
    .option('--crop <HxW>', 'slide window size, e.g. 512x1024')
    .option('--stride <HxW>', 'slide window step (default: two thirds of --crop)')
    .option('--batch-size <n>', 'images of one size (whole) or windows (slide) per forward pass', '1')
    .option('--scales <list>', 'multi-scale inference, e.g. 0.75,1,1.25')
    .option('--flip', 'also average the horizontally flipped input')
    .option('--alpha <a>', 'overlay opacity of the mask', '0.5')
    .option('--device <device>', 'cpu, cuda or cuda:N (default: cuda if available; .onnx files run on the CPU)')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--no-progress', 'no progress output')
    .action(async (positional: string[], flags: PredictFlags) => {
      const alpha = Number(flags.alpha);
      if (!(alpha >= 0 && alpha <= 1)) throw new Error(`--alpha: expected a number in [0, 1], got ${JSON.stringify(flags.alpha)}`);
      const segmentOpts = segmentOptions(flags);
      const files = await expandImagePaths([...positional, ...(flags.images ?? [])]);
      const seg = await loadSegmenter(flags);
      try {
        const recorded = { labelSpace: seg.info.labelSpace, numClasses: seg.info.classNames.length, path: flags.checkpoint };
        // a dataset needs a label space; bare images can do with the model's class indices and generic colours
        const named = flags.labelSpace !== undefined || recorded.labelSpace !== null;
        const space: LabelSpace = named
          ? resolveLabelSpace(flags.labelSpace, recorded)
          : { name: 'unnamed', classes: seg.info.classNames, colors: seg.info.colors, numClasses: seg.info.classNames.length };
        const { ids, load } = await inputs(flags, files, () => resolveLabelSpace(flags.labelSpace, recorded));
        fs.mkdirSync(flags.out, { recursive: true });
        const progress = new ImageProgress('predict', ids.length, flags.progress === false ? 'off' : undefined);
        const rows: Example[] = [];
        const used = new Set<string>();
        // samples wait here between loading and their result (segmentMany yields in input order)
        const loaded: Sample[] = [];
        async function* images() {
          for (let k = 0; k < ids.length; k++) {
            const s = await load(k);
            loaded.push(s);
            yield { data: s.image, width: s.width, height: s.height };
          }
        }
        try {
          let done = 0;
          for await (const r of seg.segmentMany(images(), segmentOpts)) {
            const s = loaded.shift() as Sample;
            const pred = r.labels;
            let stem = safeStem(s.id);
            for (let n = 2; used.has(stem); n++) stem = `${safeStem(s.id)}-${n}`;
            used.add(stem);
            const ex: Example = { image: s.image, label: s.label.length ? s.label : null, pred, width: s.width, height: s.height };
            const file = (suffix: string) => path.join(flags.out, `${stem}_${suffix}.png`);
            await writePng(file('mask'), { data: colorize(pred, space.colors), width: s.width, height: s.height });
            await writePng(file('overlay'), { data: overlay(s.image, pred, space.colors, alpha), width: s.width, height: s.height });
            await writeFileAtomicAsync(
              file('pred'),
              await sharp(pred, { raw: { width: s.width, height: s.height, channels: 1 } })
                .png()
                .toBuffer(),
            );
            await writePng(file('grid'), await composeGrid([exampleRow(ex, space.colors, alpha)]));
            if (rows.length < MAX_GRID_ROWS) rows.push(ex);
            progress.update(++done, s.id);
          }
        } finally {
          progress.stop();
        }
        if (rows.length > 1) await writePng(path.join(flags.out, 'grid.png'), await composeGrid(rows.map((r) => exampleRow(r, space.colors, alpha))));
        process.stdout.write(`wrote ${ids.length} predictions to ${flags.out} (label space ${space.name}: ${space.classes.join(', ')})\n`);
      } finally {
        await seg.dispose();
      }
    });
}
