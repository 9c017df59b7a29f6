/**
 * Synthetic stand-ins in the layouts of the field's benchmarks, with their publishers' file names and encodings
 * (docs/datasets.md cites each): Cityscapes gtFine, GTA5 ("Playing for Data") and SYNTHIA-RAND-CITYSCAPES. The
 * scenes are the generator's road scenes; only the files follow the real datasets, so the protocols, tests and a
 * demo run offline. The readers in src/data are tested against fixtures written from the publishers' descriptions,
 * not against these.
 */
import * as path from 'node:path';
import { SYNTHIA_IDS } from '../data/label-spaces.js';
import { CITYSCAPES_INSTANCE_IDS, CITYSCAPES_LABEL_COLORS } from './cityscapes-colors.js';
import { CITYSCAPES_UNLABELED, SYNTH_CLASSES } from './classes.js';
import { pad, pngTask, rawPngTask } from './layout-files.js';
import type { FrameRef, Layout } from './layouts.js';
import type { RenderedFrame } from './render.js';
import { VARIATION_NAMES } from './variations.js';

/** Cityscapes splits a stand-in can be written as (test has no public labels). */
export const CITYSCAPES_SPLITS = ['train', 'val'] as const;

/** Synth class index → Cityscapes label id; 255 (undefined) → unlabeled. */
function cityscapesIds(frame: RenderedFrame): Uint8Array {
  const ids = new Uint8Array(frame.label.length);
  for (let i = 0; i < ids.length; i++) ids[i] = SYNTH_CLASSES[frame.label[i]!]?.cityscapesId ?? CITYSCAPES_UNLABELED;
  return ids;
}

/**
 * Cityscapes gtFine: leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png (8-bit RGB) and, beside it under
 * gtFine/, _gtFine_labelIds.png (8-bit label ids), _gtFine_instanceIds.png (16-bit: id·1000 + instance for classes
 * with instances, else the label id) and _gtFine_color.png (RGBA, labels.py colours), as cityscapesScripts'
 * json2labelImg / json2instanceImg write them. A world is a city (`world0020`), a variation a sequence number.
 */
function cityscapes(root: string, split: (typeof CITYSCAPES_SPLITS)[number]): Layout {
  return {
    filesPerFrame: 4,
    emptyDirs: [],
    sequenceScope: 'none',
    frameTasks(ref: FrameRef, frame: RenderedFrame) {
      const city = `world${ref.world}`;
      const stem = `${city}_${pad(VARIATION_NAMES.indexOf(ref.variation as (typeof VARIATION_NAMES)[number]), 6)}_${pad(ref.frame, 6)}`;
      const gt = path.join(root, 'gtFine', split, city, `${stem}_gtFine_`);
      const ids = cityscapesIds(frame);
      const n = ids.length;
      const instances = new Uint16Array(n);
      const color = new Uint8Array(n * 4);
      for (let i = 0; i < n; i++) {
        const id = ids[i]!;
        const inst = frame.inst[i]!;
        instances[i] = CITYSCAPES_INSTANCE_IDS.has(id) && inst >= 0 ? id * 1000 + inst : id;
        color.set(CITYSCAPES_LABEL_COLORS[id]!, i * 4);
        color[i * 4 + 3] = 255;
      }
      const { width, height } = frame;
      return [
        pngTask(path.join(root, 'leftImg8bit', split, city, `${stem}_leftImg8bit.png`), frame.rgb, width, height, 3),
        pngTask(`${gt}labelIds.png`, ids, width, height, 1),
        rawPngTask(`${gt}instanceIds.png`, { width, height, colorType: 0, bitDepth: 16, samples: instances }),
        pngTask(`${gt}color.png`, color, width, height, 4),
      ];
    },
    sequenceTasks: () => [],
  };
}

/**
 * GTA5: images/NNNNN.png (8-bit RGB) and labels/NNNNN.png, palette PNGs whose index is the Cityscapes label id and
 * whose palette holds the labels.py colours; numbered from 00001 as the release is.
 */
function gta5(root: string): Layout {
  return {
    filesPerFrame: 2,
    emptyDirs: [],
    sequenceScope: 'none',
    frameTasks(ref: FrameRef, frame: RenderedFrame) {
      const name = `${pad(ref.globalIndex + 1, 5)}.png`;
      const { width, height } = frame;
      return [
        pngTask(path.join(root, 'images', name), frame.rgb, width, height, 3),
        rawPngTask(path.join(root, 'labels', name), {
          width,
          height,
          colorType: 3,
          bitDepth: 8,
          samples: cityscapesIds(frame),
          palette: CITYSCAPES_LABEL_COLORS,
        }),
      ];
    },
    sequenceTasks: () => [],
  };
}

/** SYNTHIA's class id of each synth class (SYNTHIA's README names; classes it has no name for are void, 0). */
const SYNTHIA_NAME_OF: Readonly<Record<string, string>> = {
  Terrain: 'terrain',
  Sky: 'sky',
  Tree: 'vegetation',
  Vegetation: 'vegetation',
  Building: 'building',
  Road: 'road',
  TrafficSign: 'traffic sign',
  TrafficLight: 'traffic light',
  Pole: 'pole',
  Truck: 'truck',
  Car: 'car',
  Van: 'car',
};

const SYNTHIA_CLASS_IDS: Uint8Array = (() => {
  const byName = new Map(Object.entries(SYNTHIA_IDS).map(([id, name]) => [name, Number(id)]));
  const lut = new Uint8Array(256); // 0 = void, for undefined pixels and unnamed classes
  SYNTH_CLASSES.forEach((c, i) => {
    const name = SYNTHIA_NAME_OF[c.name];
    if (name !== undefined) lut[i] = byName.get(name)!;
  });
  return lut;
})();

/**
 * SYNTHIA-RAND-CITYSCAPES: RGB/NNNNNNN.png (8-bit RGB) and GT/LABELS/NNNNNNN.png, 16-bit 3-channel PNGs with the
 * SYNTHIA class id in the first channel and an instance id (1-based, 0 = none) in the second; numbered from 0000000.
 * GT/COLOR (the colour renderings) is not written: its palette is not in the sources cited, and no reader uses it.
 */
function synthia(root: string): Layout {
  return {
    filesPerFrame: 2,
    emptyDirs: [],
    sequenceScope: 'none',
    frameTasks(ref: FrameRef, frame: RenderedFrame) {
      const name = `${pad(ref.globalIndex, 7)}.png`;
      const { width, height } = frame;
      const n = width * height;
      const samples = new Uint16Array(n * 3);
      for (let i = 0; i < n; i++) {
        samples[i * 3] = SYNTHIA_CLASS_IDS[frame.label[i]!]!;
        samples[i * 3 + 1] = frame.inst[i]! + 1;
      }
      return [
        pngTask(path.join(root, 'RGB', name), frame.rgb, width, height, 3),
        rawPngTask(path.join(root, 'GT', 'LABELS', name), { width, height, colorType: 2, bitDepth: 16, samples }),
      ];
    },
    sequenceTasks: () => [],
  };
}

/** The benchmark stand-in layouts by name. */
export const BENCHMARK_LAYOUTS = { cityscapes, gta5, synthia } as const;
