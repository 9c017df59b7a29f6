// SYNTHIA-RAND-CITYSCAPES: <root>/RGB/NNNNNNN.png with <root>/GT/LABELS/NNNNNNN.png, 16-bit PNGs holding the
// SYNTHIA class id in the first channel and an instance id in the second. Read at 16 bits: an 8-bit decode
// (v >> 8) turns every class id (0..22) into 0.
import * as path from 'node:path';
import type { UnknownPolicy } from './color-table.js';
import { describeFrames, emptySplit, type FrameRange, filesMatching, inFrameRange, LutPairDataset, reportMissingLabels, type SampleRef } from './dataset.js';
import { DataError } from './errors.js';
import { type Raster, readLabel16 } from './image-io.js';
import { IGNORE_INDEX, synthiaLut, UNKNOWN_ID } from './label-spaces.js';

/** Which SYNTHIA frames to use. */
export interface SynthiaOptions {
  /** The RAND_CITYSCAPES folder holding RGB/ and GT/LABELS/. */
  root: string;
  labelSpace: string;
  /** Range on the frame number NNNNNNN. */
  frames?: FrameRange;
  unknownColor?: UnknownPolicy;
}

const FRAME = /^\d+\.png$/;
const EXPECTED =
  'SYNTHIA GT/LABELS files are 16-bit RGB PNGs (class id in the first channel, instance id in the second); GT/COLOR holds the 8-bit colour renderings';

/** SYNTHIA-RAND-CITYSCAPES frames. */
export class SynthiaDataset extends LutPairDataset {
  readonly layout = 'synthia';

  /** Lists the frames with two directory listings (no file is decoded). */
  static async open(opts: SynthiaOptions): Promise<SynthiaDataset> {
    const root = path.resolve(opts.root);
    const lut = synthiaLut(opts.labelSpace);
    const imgDir = path.join(root, 'RGB');
    const labDir = path.join(root, 'GT', 'LABELS');
    const images = await filesMatching(imgDir, FRAME, 'SYNTHIA RGB');
    const labels = new Set(await filesMatching(labDir, FRAME, 'SYNTHIA GT/LABELS'));
    const refs: SampleRef[] = [];
    const missing: SampleRef[] = [];
    for (const f of images) {
      if (!inFrameRange(parseInt(f, 10), opts.frames)) continue;
      const ref = { id: f.slice(0, -4), image: path.join(imgDir, f), label: path.join(labDir, f) };
      (labels.has(f) ? refs : missing).push(ref);
    }
    reportMissingLabels(missing);
    if (refs.length === 0) emptySplit('synthia', root, `${describeFrames(opts.frames)} (of ${images.length} images)`);
    return new SynthiaDataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', lut);
  }

  /** Reads the 16-bit label and maps its first channel (the class id) through the table, naming any unknown id. */
  protected async readLabel(ref: SampleRef): Promise<Raster> {
    const raw = await readLabel16(ref.label, 'label', EXPECTED);
    const { data, width, height, channels } = raw;
    const out = Buffer.allocUnsafe(width * height);
    for (let i = 0, j = 0; i < out.length; i++, j += channels) {
      const v = this.lut[data[j]!]!;
      if (v !== UNKNOWN_ID) out[i] = v;
      else if (this.unknown === 'ignore') out[i] = IGNORE_INDEX;
      else {
        throw new DataError(
          `${ref.label}: pixel (x=${i % width}, y=${Math.floor(i / width)}) has class id ${data[j]} (first channel), not a SYNTHIA class id (0..22) ` +
            `(set unknownColor: 'ignore' to map such pixels to ${IGNORE_INDEX})`,
        );
      }
    }
    return { data: out, width, height, channels: 1 };
  }

  /** readLabel has already mapped the ids. */
  protected decodeLabel(_ref: SampleRef, raw: Raster): Buffer {
    return raw.data;
  }
}
