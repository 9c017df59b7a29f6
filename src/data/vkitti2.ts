// Virtual KITTI 2.x: <scene>/<variation>/frames/rgb/<camera>/rgb_%05d.jpg with
// frames/classSegmentation/<camera>/classgt_%05d.png and <scene>/<variation>/colors.txt, either merged under one
// root or each kind in the directory its archive is named after (vkitti_2.0.3_rgb/, ..._classSegmentation/, ..._textgt/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ColorDecoder, readColorTable } from './color-table.js';
import { describeFrames, emptySplit, filesMatching, inFrameRange, pick, reportMissingLabels, type SampleRef, subdirs } from './dataset.js';
import { DataError } from './errors.js';
import { nativeMapping } from './label-spaces.js';
import { VKittiDataset, type VKittiOptions, versionDir } from './vkitti-common.js';

/** Which part of VKITTI 2 to use. */
export interface VKitti2Options extends VKittiOptions {
  /** Scene directory names ('Scene01') or numbers (1). */
  scenes?: readonly (string | number)[];
  /** Camera directory; default Camera_0. */
  camera?: string;
}

/** Where the scenes of each kind of file live: all the same directory for a merged tree. */
interface Roots {
  rgb: string;
  classgt: string;
  textgt: string;
}

const isScene = (d: string): boolean => /^Scene\d+$/.test(d);

/** The merged root itself if it holds SceneXX directories, else the per-archive directories under it. */
async function findRoots(root: string): Promise<Roots> {
  if ((await subdirs(root, 'dataset root')).some(isScene)) return { rgb: root, classgt: root, textgt: root };
  const kinds = { rgb: 'rgb', classgt: 'classSegmentation', textgt: 'textgt' } as const;
  const found: Partial<Roots> = {};
  for (const [key, kind] of Object.entries(kinds) as [keyof Roots, string][]) {
    const dir = await versionDir(root, kind);
    if (!dir) {
      throw new DataError(
        `no SceneXX directory and no vkitti_<version>_${kind} directory under ${root} ` +
          `(expected the archives extracted either into one tree, ${root}/Scene01/..., or each into vkitti_2.0.3_${kind}/Scene01/...)`,
      );
    }
    found[key] = dir;
  }
  return found as Roots;
}

/** The class-segmentation directory of a sequence: the README spells it `classsegmentation`, the archives `classSegmentation`. */
function classDir(frameDir: string, camera: string): string {
  const candidates = ['classSegmentation', 'classsegmentation'].map((d) => path.join(frameDir, d, camera));
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
}

/** Virtual KITTI 2 class segmentation. */
export class VKitti2Dataset extends VKittiDataset {
  readonly layout = 'vkitti2';

  /** Lists the split, checks every label exists and reads every colour table it needs. */
  static async open(opts: VKitti2Options): Promise<VKitti2Dataset> {
    const root = path.resolve(opts.root);
    const mapping = nativeMapping(opts.labelSpace, 'vkitti');
    const camera = opts.camera ?? 'Camera_0';
    const roots = await findRoots(root);
    const available = (await subdirs(roots.rgb, 'VKITTI2 rgb')).filter(isScene);
    const wanted = opts.scenes?.map((s) => (typeof s === 'number' ? `Scene${String(s).padStart(2, '0')}` : s));
    const scenes = pick(available, wanted, 'scenes', roots.rgb);
    const refs: SampleRef[] = [];
    const missing: SampleRef[] = [];
    const decoders = new Map<string, ColorDecoder>();
    let sequences = 0;
    for (const scene of scenes) {
      const sceneDir = path.join(roots.rgb, scene);
      const variations = pick(
        (await subdirs(sceneDir, 'VKITTI2 scene')).filter((v) => fs.existsSync(path.join(sceneDir, v, 'frames'))),
        opts.variations,
        'variations',
        sceneDir,
      );
      for (const variation of variations) {
        sequences++;
        const imgDir = path.join(sceneDir, variation, 'frames', 'rgb', camera);
        const labDir = classDir(path.join(roots.classgt, scene, variation, 'frames'), camera);
        const frames = (await filesMatching(imgDir, /^rgb_\d+\.(jpg|png)$/, 'VKITTI2 rgb')).filter((f) => inFrameRange(parseInt(f.slice(4), 10), opts.frames));
        if (frames.length === 0) continue;
        const labels = new Set(await filesMatching(labDir, /^classgt_\d+\.png$/, 'VKITTI2 classSegmentation'));
        for (const f of frames) {
          const num = f.slice(4, f.lastIndexOf('.'));
          const label = `classgt_${num}.png`;
          const ref = { id: `${scene}/${variation}/${camera}/${num}`, image: path.join(imgDir, f), label: path.join(labDir, label) };
          (labels.has(label) ? refs : missing).push(ref);
        }
        const table = path.join(roots.textgt, scene, variation, 'colors.txt');
        decoders.set(`${scene}/${variation}`, new ColorDecoder(await readColorTable(table), mapping, table));
      }
    }
    reportMissingLabels(missing);
    if (refs.length === 0) {
      emptySplit(
        'vkitti2',
        root,
        `${describeFrames(opts.frames)} of ${camera} (in ${sequences} sequences: scenes [${scenes.join(', ')}], variations [${opts.variations?.join(', ') ?? 'all'}])`,
      );
    }
    return new VKitti2Dataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', decoders);
  }
}
