// Virtual KITTI 1.3.1: <root>/vkitti_<v>_rgb/<world>/<variation>/%05d.png, labels in vkitti_<v>_scenegt/
// with one colour table per sequence (<world>_<variation>_scenegt_rgb_encoding.txt).
import * as path from 'node:path';
import { ColorDecoder, readColorTable } from './color-table.js';
import { describeFrames, emptySplit, filesMatching, inFrameRange, pick, reportMissingLabels, type SampleRef, subdirs } from './dataset.js';
import { DataError } from './errors.js';
import { nativeMapping } from './label-spaces.js';
import { VKittiDataset, type VKittiOptions, versionDir } from './vkitti-common.js';

/** Which part of VKITTI 1 to use. */
export interface VKitti1Options extends VKittiOptions {
  /** World ids as written in directory names ('0001') or numbers (1). */
  worlds?: readonly (string | number)[];
}

/** The `vkitti_<version>_<kind>` directory under root, or an error naming what was expected. */
async function requiredVersionDir(root: string, kind: string): Promise<string> {
  const dir = await versionDir(root, kind);
  if (!dir) throw new DataError(`no vkitti_<version>_${kind} directory under ${root} (expected e.g. vkitti_1.3.1_${kind})`);
  return dir;
}

/** Virtual KITTI 1.3.1 scene ground truth. */
export class VKitti1Dataset extends VKittiDataset {
  readonly layout = 'vkitti1';

  /** Lists the split, checks every label exists and reads every colour table it needs. */
  static async open(opts: VKitti1Options): Promise<VKitti1Dataset> {
    const root = path.resolve(opts.root);
    const mapping = nativeMapping(opts.labelSpace, 'vkitti');
    const rgbDir = await requiredVersionDir(root, 'rgb');
    const gtDir = await requiredVersionDir(root, 'scenegt');
    const wanted = opts.worlds?.map((w) => (typeof w === 'number' ? String(w).padStart(4, '0') : w));
    const worlds = pick(await subdirs(rgbDir, 'VKITTI rgb'), wanted, 'worlds', rgbDir);
    const refs: SampleRef[] = [];
    const missing: SampleRef[] = [];
    const decoders = new Map<string, ColorDecoder>();
    let sequences = 0;
    for (const world of worlds) {
      const variations = pick(await subdirs(path.join(rgbDir, world), 'VKITTI world'), opts.variations, 'variations', path.join(rgbDir, world));
      for (const variation of variations) {
        sequences++;
        const imgDir = path.join(rgbDir, world, variation);
        const labDir = path.join(gtDir, world, variation);
        const frames = (await filesMatching(imgDir, /^\d+\.png$/, 'VKITTI rgb')).filter((f) => inFrameRange(parseInt(f, 10), opts.frames));
        if (frames.length === 0) continue;
        const labels = new Set(await filesMatching(labDir, /^\d+\.png$/, 'VKITTI scenegt'));
        for (const f of frames) {
          const ref = { id: `${world}/${variation}/${f.slice(0, -4)}`, image: path.join(imgDir, f), label: path.join(labDir, f) };
          (labels.has(f) ? refs : missing).push(ref);
        }
        const table = path.join(gtDir, `${world}_${variation}_scenegt_rgb_encoding.txt`);
        decoders.set(`${world}/${variation}`, new ColorDecoder(await readColorTable(table), mapping, table));
      }
    }
    reportMissingLabels(missing);
    if (refs.length === 0) {
      emptySplit(
        'vkitti1',
        root,
        `${describeFrames(opts.frames)} (in ${sequences} sequences: worlds [${worlds.join(', ')}], variations [${opts.variations?.join(', ') ?? 'all'}])`,
      );
    }
    return new VKitti1Dataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', decoders);
  }
}
