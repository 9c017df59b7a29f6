// GTA5 (Richter et al. 2016, "Playing for Data"): <root>/images/NNNNN.png with <root>/labels/NNNNN.png, palette
// PNGs whose palette index is the Cityscapes label id. The index is read, never the colour: several ids share a
// colour (pole and polegroup, the void ids 0..4). Optional split from the publisher's split.mat.
import * as path from 'node:path';
import type { UnknownPolicy } from './color-table.js';
import {
  describeFrames,
  emptySplit,
  type FrameRange,
  filesMatching,
  inFrameRange,
  LutPairDataset,
  reportMissingLabels,
  type SampleRef,
  sizeMismatchMessage,
} from './dataset.js';
import { DataError } from './errors.js';
import type { Raster } from './image-io.js';
import { cityscapesLut } from './label-spaces.js';
import { readMatNumericArrays } from './mat-file.js';
import { mapIds } from './name-lut.js';
import { readPngIndices } from './png-index.js';
import type { Gta5Config } from './schema.js';

/** Which GTA5 frames to use. */
export interface Gta5Options {
  /** The folder holding images/ and labels/. */
  root: string;
  labelSpace: string;
  /** 'all' (default) or one split of `splitFile`. */
  split?: Gta5Config['split'];
  /** MAT-file with trainIds, valIds, testIds (relative to the working directory); default <root>/split.mat. */
  splitFile?: string;
  /** Range on the frame number NNNNN. */
  frames?: FrameRange;
  sizeMismatch?: Gta5Config['sizeMismatch'];
  unknownColor?: UnknownPolicy;
}

/**
 * Frames whose image and label differ in size in the release, as a public loader of the real files lists them
 * ("Files with different size in img and mask": 1, 2, 15188, 20803..20834, 20858..20860; docs/datasets.md).
 */
export const GTA5_SIZE_MISMATCHED: readonly number[] = Object.freeze([
  1,
  2,
  15188,
  ...Array.from({ length: 20835 - 20803 }, (_, i) => 20803 + i),
  20858,
  20859,
  20860,
]);

const FRAME = /^\d+\.png$/;

/** The frame numbers of `split` in the publisher's split file. */
async function splitFrames(file: string, split: 'train' | 'val' | 'test'): Promise<Set<number>> {
  const arrays = await readMatNumericArrays(file);
  const name = `${split}Ids`;
  const ids = arrays.get(name);
  if (!ids) {
    throw new DataError(
      `MAT-file ${file}: no numeric array ${name} (it has ${[...arrays.keys()].join(', ') || 'none'}); expected GTA5's split.mat with trainIds, valIds, testIds`,
    );
  }
  const bad = ids.find((v) => !(Number.isInteger(v) && v > 0));
  if (bad !== undefined) throw new DataError(`MAT-file ${file}: ${name} holds ${bad}, not a frame number`);
  return new Set(ids);
}

/** GTA5 frames with Cityscapes-id palette labels. */
export class Gta5Dataset extends LutPairDataset {
  readonly layout = 'gta5';
  /** sizeMismatch: 'resize' (set by open). */
  private resize = false;

  /** Lists the frames with two directory listings (no file is decoded: the release has ~25k of 1914x1052). */
  static async open(opts: Gta5Options): Promise<Gta5Dataset> {
    const root = path.resolve(opts.root);
    const lut = cityscapesLut(opts.labelSpace);
    const split = opts.split ?? 'all';
    const imgDir = path.join(root, 'images');
    const labDir = path.join(root, 'labels');
    const images = await filesMatching(imgDir, FRAME, 'GTA5 images');
    const labels = new Set(await filesMatching(labDir, FRAME, 'GTA5 labels'));
    const wanted = split === 'all' ? null : await splitFrames(opts.splitFile ? path.resolve(opts.splitFile) : path.join(root, 'split.mat'), split);
    const skip = (opts.sizeMismatch ?? 'skip') === 'skip' ? new Set(GTA5_SIZE_MISMATCHED) : new Set<number>();
    const refs: SampleRef[] = [];
    const missing: SampleRef[] = [];
    for (const f of images) {
      const n = parseInt(f, 10);
      if (!inFrameRange(n, opts.frames) || skip.has(n) || (wanted && !wanted.has(n))) continue;
      const ref = { id: f.slice(0, -4), image: path.join(imgDir, f), label: path.join(labDir, f) };
      (labels.has(f) ? refs : missing).push(ref);
    }
    reportMissingLabels(missing);
    if (refs.length === 0) emptySplit('gta5', root, `split ${split}, ${describeFrames(opts.frames)} (of ${images.length} images)`);
    const ds = new Gta5Dataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', lut);
    ds.resize = opts.sizeMismatch === 'resize';
    return ds;
  }

  protected readLabel(ref: SampleRef): Promise<Raster> {
    return readPngIndices(ref.label, 'label');
  }

  protected decodeLabel(ref: SampleRef, raw: Raster): Buffer {
    return mapIds(ref.label, raw, this.lut, this.unknown, 'not a Cityscapes label id (0..33)');
  }

  /** sizeMismatch 'resize': the label resized to the image by nearest neighbour (pixel centres, as PIL's NEAREST). */
  protected override fitLabel(ref: SampleRef, raw: Raster, width: number, height: number): Raster {
    if (!this.resize) {
      throw new DataError(
        `${sizeMismatchMessage(ref, raw, width, height)}; not one of the GTA5 frames known to differ (left out by sizeMismatch: skip): ` +
          'set sizeMismatch: resize to resize such labels to their images',
      );
    }
    const out = Buffer.allocUnsafe(width * height);
    for (let y = 0; y < height; y++) {
      const sy = Math.min(raw.height - 1, Math.floor(((y + 0.5) * raw.height) / height));
      for (let x = 0; x < width; x++) out[y * width + x] = raw.data[sy * raw.width + Math.min(raw.width - 1, Math.floor(((x + 0.5) * raw.width) / width))]!;
    }
    return { data: out, width, height, channels: 1 };
  }
}
