// `shapeseg predict --checkpoint X (--images a.png b.png | --data <layout>:<root> --ids ID...) --out DIR`
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import sharp from 'sharp';
import type { Sample } from '../data/dataset.js';
import { readRgb } from '../data/image-io.js';
import { predict } from '../eval/inference.js';
import { readModelCheckpoint } from '../eval/load-model.js';
import { ImageProgress } from '../eval/progress.js';
import { openEvalDataset, parseOutputStride, parseScales, resolveDevice, resolveLabelSpace } from '../eval/setup.js';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { colorize, overlay } from '../report/colorize.js';
import { composeGrid, type Example, exampleRow, writePng } from '../report/figures.js';
import { type Device, fromBuffer, tidy } from '../tensor/index.js';

interface PredictFlags {
  checkpoint: string;
  images?: string[];
  data?: string;
  filter?: string;
  split?: string;
  ids?: string[];
  labelSpace?: string;
  outputStride: string;
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
async function inputs(
  flags: PredictFlags,
  labelSpace: string,
  info: Parameters<typeof openEvalDataset>[1],
): Promise<{ ids: string[]; load: (i: number) => Promise<Sample> }> {
  const byFiles = flags.images !== undefined && flags.images.length > 0;
  const byData = flags.data !== undefined || flags.ids !== undefined || flags.split !== undefined;
  if (byFiles === byData) throw new Error('give either --images FILE... or --data <layout>:<root> (or --split) with --ids ID...');
  if (byFiles) {
    const files = flags.images as string[];
    return {
      ids: files.map((f) => path.basename(f).replace(/\.[^.]+$/, '')),
      load: async (i) => {
        const r = await readRgb(files[i]!, 'image');
        return { image: r.data, label: Buffer.alloc(0), width: r.width, height: r.height, id: path.basename(files[i]!).replace(/\.[^.]+$/, '') };
      },
    };
  }
  const ds = await openEvalDataset({ spec: flags.data, filter: flags.filter, split: flags.split, labelSpace }, info);
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

/** Registers `predict`: colourised masks, overlays and comparison grids for images or dataset samples. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict segmentation masks; writes <id>_mask.png (colours), <id>_pred.png (class indices), <id>_overlay.png, <id>_grid.png and grid.png')
    .requiredOption('-c, --checkpoint <file>', 'model checkpoint (shapeseg .safetensors or torchvision deeplabv3 .pth)')
    .option('--images <files...>', 'image files (PNG, JPEG, ...)')
    .option('-d, --data <layout:root>', 'dataset to take --ids from, e.g. vkitti1:/data/vkitti (rows then show ground truth and errors)')
    .option('--filter <yaml>', 'dataset subset as YAML (see eval)')
    .option('--split <name>', "without --data: the split of the checkpoint's run config (val or train)")
    .option('--ids <ids...>', 'sample ids, e.g. 0001/clone/00340 (VKITTI 1) or 000000_10 (KITTI)')
    .option('-l, --label-space <name>', "label space (default: the checkpoint's)")
    .option('--output-stride <n>', 'output stride (8 or 16)', '8')
    .option('--scales <list>', 'multi-scale inference, e.g. 0.75,1,1.25')
    .option('--flip', 'also average the horizontally flipped input')
    .option('--alpha <a>', 'overlay opacity of the mask', '0.5')
    .option('--device <device>', 'cpu, cuda or cuda:N (default: cuda if available)')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--no-progress', 'no progress output')
    .action(async (flags: PredictFlags) => {
      const device: Device = resolveDevice(flags.device);
      const outputStride = parseOutputStride(flags.outputStride);
      const scales = flags.scales ? parseScales(flags.scales) : [1];
      const alpha = Number(flags.alpha);
      if (!(alpha >= 0 && alpha <= 1)) throw new Error(`--alpha: expected a number in [0, 1], got ${JSON.stringify(flags.alpha)}`);
      const { model, info } = readModelCheckpoint(flags.checkpoint, { device, outputStride });
      try {
        const space = resolveLabelSpace(flags.labelSpace, info);
        const { ids, load } = await inputs(flags, space.name, info);
        fs.mkdirSync(flags.out, { recursive: true });
        const progress = new ImageProgress('predict', ids.length, flags.progress === false ? 'off' : undefined);
        const rows: Example[] = [];
        const used = new Set<string>();
        try {
          for (let k = 0; k < ids.length; k++) {
            const s = await load(k);
            const pred = tidy(() => {
              const img = fromBuffer(s.image, [s.height, s.width, 3], 'uint8', { device }).permute([2, 0, 1]).unsqueeze(0);
              return predict(model, img, { scales, flip: flags.flip ?? false })
                .to('uint8')
                .toArray() as Uint8Array;
            });
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
            progress.update(k + 1, s.id);
          }
        } finally {
          progress.stop();
        }
        if (rows.length > 1) await writePng(path.join(flags.out, 'grid.png'), await composeGrid(rows.map((r) => exampleRow(r, space.colors, alpha))));
        process.stdout.write(`wrote ${ids.length} predictions to ${flags.out} (label space ${space.name}: ${space.classes.join(', ')})\n`);
      } finally {
        model.dispose();
      }
    });
}
