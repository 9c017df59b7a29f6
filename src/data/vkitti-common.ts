// What the two Virtual KITTI layouts share: the options common to both, and colour-coded labels decoded
// with one colour table per sequence.
import * as path from 'node:path';
import type { ColorDecoder, UnknownPolicy } from './color-table.js';
import { type FrameRange, PairDataset, type SampleRef, subdirs } from './dataset.js';
import { type Raster, readRgb } from './image-io.js';
import { getLabelSpace } from './label-spaces.js';

/**
 * The `vkitti_<version>_<kind>` directory under root (kind matched case-insensitively, the newest version if
 * several), or null. Both releases ship one archive per kind named so (`vkitti_1.3.1_scenegt.tar`,
 * `vkitti_2.0.3_classSegmentation.tar`).
 */
export async function versionDir(root: string, kind: string): Promise<string | null> {
  const re = new RegExp(`^vkitti_[\\d.]+_${kind}$`, 'i');
  const dirs = (await subdirs(root, 'dataset root')).filter((d) => re.test(d));
  return dirs.length === 0 ? null : path.join(root, dirs[dirs.length - 1]!);
}

/** Options both Virtual KITTI layouts take. */
export interface VKittiOptions {
  root: string;
  labelSpace: string;
  variations?: readonly string[];
  frames?: FrameRange;
  unknownColor?: UnknownPolicy;
}

/** A Virtual KITTI dataset: RGB label images decoded by the colour table of their sequence. */
export abstract class VKittiDataset extends PairDataset {
  /** `decoders` is keyed by sequence, the first two parts of a sample id (`<world|scene>/<variation>`). */
  protected constructor(
    root: string,
    labelSpace: string,
    refs: SampleRef[],
    unknown: UnknownPolicy,
    private readonly decoders: ReadonlyMap<string, ColorDecoder>,
  ) {
    super(root, getLabelSpace(labelSpace), refs, unknown);
  }

  protected readLabel(ref: SampleRef): Promise<Raster> {
    return readRgb(ref.label, 'label');
  }

  protected decodeLabel(ref: SampleRef, raw: Raster): Buffer {
    const seq = ref.id.split('/', 2).join('/');
    return this.decoders.get(seq)!.decode(raw.data, raw.width, raw.height, ref.label, this.unknown);
  }
}
