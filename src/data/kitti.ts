// KITTI semantic segmentation: <root>/training/image_2/*.png with <root>/training/semantic/*.png
// holding uint8 Cityscapes label ids.
import * as path from 'node:path';
import type { UnknownPolicy } from './color-table.js';
import { describeFrames, emptySplit, type FrameRange, filesMatching, inFrameRange, PairDataset, reportMissingLabels, type SampleRef } from './dataset.js';
import { DataError } from './errors.js';
import { type Raster, readLabelIds } from './image-io.js';
import { cityscapesLut, getLabelSpace, IGNORE_INDEX, UNKNOWN_ID } from './label-spaces.js';

/** Which KITTI images to use. */
export interface KittiOptions {
  root: string;
  labelSpace: string;
  /** Explicit ids (file stems such as '000000_10'); default every image. */
  ids?: readonly string[];
  /** Range on the number before the underscore in the file name. */
  frames?: FrameRange;
  unknownColor?: UnknownPolicy;
}

/** KITTI semantic (training split, the one with labels). */
export class KittiDataset extends PairDataset {
  readonly layout = 'kitti';

  private constructor(
    root: string,
    labelSpace: string,
    refs: SampleRef[],
    unknown: UnknownPolicy,
    private readonly lut: Uint16Array,
  ) {
    super(root, getLabelSpace(labelSpace), refs, unknown);
  }

  /** Lists the split and checks every label exists. */
  static async open(opts: KittiOptions): Promise<KittiDataset> {
    const root = path.resolve(opts.root);
    const lut = cityscapesLut(opts.labelSpace);
    const imgDir = path.join(root, 'training', 'image_2');
    const labDir = path.join(root, 'training', 'semantic');
    const images = await filesMatching(imgDir, /\.png$/, 'KITTI image_2');
    let stems = images.map((f) => f.slice(0, -4));
    if (opts.ids) {
      const have = new Set(stems);
      const absent = opts.ids.filter((id) => !have.has(id));
      if (absent.length > 0) {
        throw new DataError(
          `image file missing for ids ${absent.slice(0, 5).join(', ')}${absent.length > 5 ? ` and ${absent.length - 5} more` : ''}: e.g. ${path.join(imgDir, `${absent[0]}.png`)}`,
        );
      }
      stems = [...opts.ids];
    }
    stems = stems.filter((s) => inFrameRange(parseInt(s, 10), opts.frames));
    const labels = new Set(await filesMatching(labDir, /\.png$/, 'KITTI semantic'));
    const refs: SampleRef[] = [];
    const missing: SampleRef[] = [];
    for (const s of stems) {
      const ref = { id: s, image: path.join(imgDir, `${s}.png`), label: path.join(labDir, `${s}.png`) };
      (labels.has(`${s}.png`) ? refs : missing).push(ref);
    }
    reportMissingLabels(missing);
    if (refs.length === 0) {
      const what = opts.ids
        ? `ids [${opts.ids.join(', ')}] with ${describeFrames(opts.frames)}`
        : `${describeFrames(opts.frames)} (of ${images.length} images)`;
      emptySplit('kitti', root, what);
    }
    return new KittiDataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', lut);
  }

  protected readLabel(ref: SampleRef): Promise<Raster> {
    return readLabelIds(ref.label, 'label');
  }

  protected decodeLabel(ref: SampleRef, raw: Raster): Buffer {
    const { data, width } = raw;
    const out = Buffer.allocUnsafe(data.length);
    const lut = this.lut;
    for (let i = 0; i < data.length; i++) {
      const v = lut[data[i]!]!;
      if (v === UNKNOWN_ID) {
        if (this.unknown === 'error') {
          throw new DataError(
            `${ref.label}: pixel (x=${i % width}, y=${Math.floor(i / width)}) has value ${data[i]}, not a Cityscapes label id (0..33); ` +
              `is this a colour (semantic_rgb) file? (set unknownColor: 'ignore' to map such pixels to ${IGNORE_INDEX})`,
          );
        }
        out[i] = IGNORE_INDEX;
      } else out[i] = v;
    }
    return out;
  }
}
