// Virtual KITTI 2.x: <root>/SceneXX/<variation>/frames/rgb/<camera>/rgb_%05d.jpg with
// frames/classSegmentation/<camera>/classgt_%05d.png and a colors.txt per variation or per scene.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ColorDecoder, readColorTable } from './color-table.js';
import { describeFrames, emptySplit, filesMatching, inFrameRange, pick, reportMissingLabels, subdirs, type SampleRef } from './dataset.js';
import { DataError } from './errors.js';
import { nativeMapping } from './label-spaces.js';
import { VKittiDataset, type VKittiOptions } from './vkitti-common.js';

/** Which part of VKITTI 2 to use. */
export interface VKitti2Options extends VKittiOptions {
  /** Scene directory names ('Scene01') or numbers (1). */
  scenes?: readonly (string | number)[];
  /** Camera directory; default Camera_0. */
  camera?: string;
}

/** The colour table of a sequence: <scene>/<variation>/colors.txt, else <scene>/colors.txt. */
function colorTablePath(sceneDir: string, variation: string): string {
  const candidates = [path.join(sceneDir, variation, 'colors.txt'), path.join(sceneDir, 'colors.txt')];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new DataError(`colour table missing: none of ${candidates.join(', ')} exists`);
  return found;
}

/** Virtual KITTI 2 class segmentation. */
export class VKitti2Dataset extends VKittiDataset {
  readonly layout = 'vkitti2';

  /** Lists the split, checks every label exists and reads every colour table it needs. */
  static async open(opts: VKitti2Options): Promise<VKitti2Dataset> {
    const root = path.resolve(opts.root);
    const mapping = nativeMapping(opts.labelSpace, 'vkitti');
    const camera = opts.camera ?? 'Camera_0';
    const available = (await subdirs(root, 'dataset root')).filter((d) => /^Scene\d+$/.test(d));
    const wanted = opts.scenes?.map((s) => (typeof s === 'number' ? `Scene${String(s).padStart(2, '0')}` : s));
    const scenes = pick(available, wanted, 'scenes', root);
    const refs: SampleRef[] = [];
    const missing: SampleRef[] = [];
    const decoders = new Map<string, ColorDecoder>();
    const tables = new Map<string, ColorDecoder>();
    let sequences = 0;
    for (const scene of scenes) {
      const sceneDir = path.join(root, scene);
      const variations = pick(
        (await subdirs(sceneDir, 'VKITTI2 scene')).filter((v) => fs.existsSync(path.join(sceneDir, v, 'frames'))),
        opts.variations, 'variations', sceneDir,
      );
      for (const variation of variations) {
        sequences++;
        const frameDir = path.join(sceneDir, variation, 'frames');
        const imgDir = path.join(frameDir, 'rgb', camera);
        const labDir = path.join(frameDir, 'classSegmentation', camera);
        const frames = (await filesMatching(imgDir, /^rgb_\d+\.(jpg|png)$/, 'VKITTI2 rgb'))
          .filter((f) => inFrameRange(parseInt(f.slice(4), 10), opts.frames));
        if (frames.length === 0) continue;
        const labels = new Set(await filesMatching(labDir, /^classgt_\d+\.png$/, 'VKITTI2 classSegmentation'));
        for (const f of frames) {
          const num = f.slice(4, f.lastIndexOf('.'));
          const label = `classgt_${num}.png`;
          const ref = { id: `${scene}/${variation}/${camera}/${num}`, image: path.join(imgDir, f), label: path.join(labDir, label) };
          (labels.has(label) ? refs : missing).push(ref);
        }
        const table = colorTablePath(sceneDir, variation);
        let dec = tables.get(table);
        if (!dec) tables.set(table, (dec = new ColorDecoder(await readColorTable(table), mapping, table)));
        decoders.set(`${scene}/${variation}`, dec);
      }
    }
    reportMissingLabels(missing);
    if (refs.length === 0) {
      emptySplit('vkitti2', root, `${describeFrames(opts.frames)} of ${camera} (in ${sequences} sequences: scenes [${scenes.join(', ')}], variations [${opts.variations?.join(', ') ?? 'all'}])`);
    }
    return new VKitti2Dataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', decoders);
  }
}
