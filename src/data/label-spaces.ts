// Every label space, and how each dataset's native categories map into it, declared once.
// A label space is an ordered class list: class k is model output channel k. 255 = ignore.

/** Label value for pixels that no loss or metric counts. */
export const IGNORE_INDEX = 255;

/** An sRGB colour, 0..255 per channel. */
export type RGB = readonly [number, number, number];

/**
 * Where a dataset's native labels come from: VKITTI category names, Cityscapes label ids (KITTI semantic,
 * Cityscapes gtFine, GTA5) or SYNTHIA class ids (SYNTHIA-RAND-CITYSCAPES).
 */
export type NativeSource = 'vkitti' | 'cityscapes' | 'synthia';

/** An ordered class list with display colours. */
export interface LabelSpace {
  readonly name: string;
  readonly classes: readonly string[];
  /** Display colour per class (predict/visualisation). */
  readonly colors: readonly RGB[];
  readonly numClasses: number;
}

/** Native VKITTI categories (1.3.1 and 2.x; `Undefined` only occurs in 2.x). */
export const VKITTI_CATEGORIES = [
  'Terrain',
  'Sky',
  'Tree',
  'Vegetation',
  'Building',
  'Road',
  'GuardRail',
  'TrafficSign',
  'TrafficLight',
  'Pole',
  'Misc',
  'Truck',
  'Car',
  'Van',
  'Undefined',
] as const;

/** Cityscapes label ids 0..33 by name (KITTI semantic PNGs hold these ids). */
export const CITYSCAPES_IDS: Readonly<Record<number, string>> = {
  0: 'unlabeled',
  1: 'ego vehicle',
  2: 'rectification border',
  3: 'out of roi',
  4: 'static',
  5: 'dynamic',
  6: 'ground',
  7: 'road',
  8: 'sidewalk',
  9: 'parking',
  10: 'rail track',
  11: 'building',
  12: 'wall',
  13: 'fence',
  14: 'guard rail',
  15: 'bridge',
  16: 'tunnel',
  17: 'pole',
  18: 'polegroup',
  19: 'traffic light',
  20: 'traffic sign',
  21: 'vegetation',
  22: 'terrain',
  23: 'sky',
  24: 'person',
  25: 'rider',
  26: 'car',
  27: 'truck',
  28: 'bus',
  29: 'caravan',
  30: 'trailer',
  31: 'train',
  32: 'motorcycle',
  33: 'bicycle',
};

/**
 * SYNTHIA-RAND-CITYSCAPES class ids 0..22 by name (the first channel of its 16-bit GT/LABELS PNGs), as its
 * README.txt lists them (quoted in the public loaders cited in docs/datasets.md).
 */
export const SYNTHIA_IDS: Readonly<Record<number, string>> = {
  0: 'void',
  1: 'sky',
  2: 'building',
  3: 'road',
  4: 'sidewalk',
  5: 'fence',
  6: 'vegetation',
  7: 'pole',
  8: 'car',
  9: 'traffic sign',
  10: 'pedestrian',
  11: 'bicycle',
  12: 'motorcycle',
  13: 'parking-slot',
  14: 'road-work',
  15: 'traffic light',
  16: 'terrain',
  17: 'rider',
  18: 'truck',
  19: 'bus',
  20: 'train',
  21: 'wall',
  22: 'lanemarking',
};

// SYNTHIA id -> Cityscapes train-id class: the id_to_trainid of the DA/DG loaders ("mapping based on README.txt
// from SYNTHIA_RAND_CITYSCAPES"); terrain (16), truck (18) and train (20) are listed there though SYNTHIA has
// (almost) no such pixels. void, parking-slot, road-work and lanemarking are ignored.
const SYNTHIA_TO_CITYSCAPES = {
  3: 'road',
  4: 'sidewalk',
  2: 'building',
  21: 'wall',
  5: 'fence',
  7: 'pole',
  15: 'traffic light',
  9: 'traffic sign',
  6: 'vegetation',
  16: 'terrain',
  1: 'sky',
  10: 'person',
  17: 'rider',
  8: 'car',
  18: 'truck',
  19: 'bus',
  20: 'train',
  12: 'motorcycle',
  11: 'bicycle',
} as const;

// The VKITTI categories that are Cityscapes train-id classes (Tree and Vegetation are both vegetation, a Van a car).
const VKITTI_TO_CITYSCAPES = {
  Road: 'road',
  Building: 'building',
  Pole: 'pole',
  TrafficLight: 'traffic light',
  TrafficSign: 'traffic sign',
  Tree: 'vegetation',
  Vegetation: 'vegetation',
  Terrain: 'terrain',
  Sky: 'sky',
  Car: 'car',
  Van: 'car',
  Truck: 'truck',
} as const;

/** The 19 Cityscapes train-id classes, in train-id order (cityscapesScripts labels.py), with its colours. */
const CITYSCAPES19_CLASSES: readonly (readonly [string, RGB])[] = [
  ['road', [128, 64, 128]],
  ['sidewalk', [244, 35, 232]],
  ['building', [70, 70, 70]],
  ['wall', [102, 102, 156]],
  ['fence', [190, 153, 153]],
  ['pole', [153, 153, 153]],
  ['traffic light', [250, 170, 30]],
  ['traffic sign', [220, 220, 0]],
  ['vegetation', [107, 142, 35]],
  ['terrain', [152, 251, 152]],
  ['sky', [70, 130, 180]],
  ['person', [220, 20, 60]],
  ['rider', [255, 0, 0]],
  ['car', [0, 0, 142]],
  ['truck', [0, 0, 70]],
  ['bus', [0, 60, 100]],
  ['train', [0, 80, 100]],
  ['motorcycle', [0, 0, 230]],
  ['bicycle', [119, 11, 32]],
];

// Cityscapes label id -> train-id class: in labels.py each of the 19 train ids is given to the label id of the same name.
const CITYSCAPES_TRAIN_IDS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(CITYSCAPES_IDS).filter(([, name]) => CITYSCAPES19_CLASSES.some((c) => c[0] === name)),
);

/** The classes of cityscapes19 in `synthia16`: all but terrain, truck and train, which SYNTHIA does not have. */
const inSynthia = (c: string): boolean => c !== 'terrain' && c !== 'truck' && c !== 'train';

/** The classes of `vkitti-kitti`: those VKITTI categories map to. */
const VKITTI_KITTI: ReadonlySet<string> = new Set(Object.values(VKITTI_TO_CITYSCAPES));

/**
 * The 13 classes the SYNTHIA literature also reports (mIoU*): synthia16 without wall, fence and pole, in
 * synthia16 order. Names of classes of `synthia16` (and `cityscapes19`); `classIndices` turns them into indices.
 */
export const SYNTHIA13_CLASSES: readonly string[] = Object.freeze([
  'road',
  'sidewalk',
  'building',
  'traffic light',
  'traffic sign',
  'vegetation',
  'sky',
  'person',
  'rider',
  'car',
  'bus',
  'motorcycle',
  'bicycle',
]);

/**
 * Class subsets whose mIoU is reported beside a label space's full mIoU, by label-space name, as the literature
 * reports them: SYNTHIA → Cityscapes papers give the 16-class mIoU and the 13-class one (mIoU13).
 */
export const REPORTED_SUBSETS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = Object.freeze({
  synthia16: Object.freeze({ mIoU13: SYNTHIA13_CLASSES }),
});

/** The subsets reported for label space `space` (none for most spaces). */
export function reportedSubsets(space: string): { name: string; classes: readonly string[] }[] {
  return Object.entries(REPORTED_SUBSETS[space] ?? {}).map(([name, classes]) => ({ name, classes }));
}

/** `table` (native key -> class) restricted to the entries whose class `keep` accepts. */
function only(table: Readonly<Record<string, string>>, keep: (cls: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(table).filter(([, cls]) => keep(cls)));
}

interface SpaceDecl {
  classes: readonly (readonly [string, RGB])[];
  /** native key -> class name; native keys not listed map to IGNORE_INDEX. */
  from: Partial<Record<NativeSource, Readonly<Record<string, string>>>>;
}

// Display colours: VKITTI's own for `vkitti`, the Cityscapes palette for `vkitti-kitti`.
const DECLS = {
  vkitti: {
    classes: [
      ['Terrain', [210, 0, 200]],
      ['Sky', [90, 200, 255]],
      ['Tree', [0, 199, 0]],
      ['Vegetation', [90, 240, 0]],
      ['Building', [140, 140, 140]],
      ['Road', [100, 60, 100]],
      ['GuardRail', [255, 100, 255]],
      ['TrafficSign', [255, 255, 0]],
      ['TrafficLight', [200, 200, 0]],
      ['Pole', [255, 130, 0]],
      ['Misc', [80, 80, 80]],
      ['Truck', [160, 60, 60]],
      ['Car', [255, 127, 80]],
      ['Van', [0, 139, 139]],
    ],
    from: {
      // identity by name; Undefined -> ignore. KITTI cannot map here (no Tree/Vegetation split).
      vkitti: {
        Terrain: 'Terrain',
        Sky: 'Sky',
        Tree: 'Tree',
        Vegetation: 'Vegetation',
        Building: 'Building',
        Road: 'Road',
        GuardRail: 'GuardRail',
        TrafficSign: 'TrafficSign',
        TrafficLight: 'TrafficLight',
        Pole: 'Pole',
        Misc: 'Misc',
        Truck: 'Truck',
        Car: 'Car',
        Van: 'Van',
      },
    },
  },
  // Cityscapes train-id order restricted to the classes VKITTI and KITTI share (the VKITTI categories that are
  // Cityscapes train-id classes).
  'vkitti-kitti': {
    classes: CITYSCAPES19_CLASSES.filter((c) => VKITTI_KITTI.has(c[0])),
    from: { vkitti: VKITTI_TO_CITYSCAPES, cityscapes: only(CITYSCAPES_TRAIN_IDS, (c) => VKITTI_KITTI.has(c)) },
  },
  // The 19 Cityscapes train-id classes (the synthetic-to-real DG/DA benchmarks: GTA5, Cityscapes, BDD100K, Mapillary).
  cityscapes19: {
    classes: CITYSCAPES19_CLASSES,
    from: { cityscapes: CITYSCAPES_TRAIN_IDS, synthia: SYNTHIA_TO_CITYSCAPES, vkitti: VKITTI_TO_CITYSCAPES },
  },
  // cityscapes19 without terrain, truck and train: the SYNTHIA -> Cityscapes protocol's 16 classes.
  synthia16: {
    classes: CITYSCAPES19_CLASSES.filter((c) => inSynthia(c[0])),
    from: {
      cityscapes: only(CITYSCAPES_TRAIN_IDS, inSynthia),
      synthia: only(SYNTHIA_TO_CITYSCAPES, inSynthia),
      vkitti: only(VKITTI_TO_CITYSCAPES, inSynthia),
    },
  },
} as const satisfies Record<string, SpaceDecl>;

/** Names of the declared label spaces. */
export type LabelSpaceName = keyof typeof DECLS;

/** Every label space name, in declaration order. */
export const LABEL_SPACE_NAMES = Object.keys(DECLS) as [LabelSpaceName, ...LabelSpaceName[]];

const NATIVE_KEYS: Record<NativeSource, readonly string[]> = {
  vkitti: VKITTI_CATEGORIES,
  cityscapes: Object.keys(CITYSCAPES_IDS),
  synthia: Object.keys(SYNTHIA_IDS),
};

const SPACES = new Map<string, LabelSpace>(
  Object.entries(DECLS).map(([name, d]: [string, SpaceDecl]) => [
    name,
    Object.freeze({
      name,
      classes: Object.freeze(d.classes.map((c) => c[0])),
      colors: Object.freeze(d.classes.map((c) => c[1])),
      numClasses: d.classes.length,
    }),
  ]),
);

/** The label space called `name`; throws listing the known names. */
export function getLabelSpace(name: string): LabelSpace {
  const s = SPACES.get(name);
  if (!s) throw new Error(`unknown label space ${JSON.stringify(name)}; known: ${LABEL_SPACE_NAMES.join(', ')}`);
  return s;
}

/** The native sources that can be mapped into label space `name`. */
export function sourcesOf(name: string): NativeSource[] {
  getLabelSpace(name);
  return Object.keys(DECLS[name as LabelSpaceName].from) as NativeSource[];
}

/**
 * native key -> class index (IGNORE_INDEX for known-but-unused keys) for mapping `source` into `space`.
 * Keys are VKITTI category names, or Cityscapes / SYNTHIA ids as decimal strings. Throws if the space has no mapping from `source`.
 */
export function nativeMapping(space: string, source: NativeSource): ReadonlyMap<string, number> {
  const ls = getLabelSpace(space);
  const table = (DECLS[space as LabelSpaceName].from as SpaceDecl['from'])[source];
  if (!table) {
    throw new Error(
      `label space ${JSON.stringify(space)} has no mapping from ${source} labels; usable label spaces for ${source}: ` +
        LABEL_SPACE_NAMES.filter((n) => sourcesOf(n).includes(source)).join(', '),
    );
  }
  const out = new Map<string, number>();
  for (const key of NATIVE_KEYS[source]) {
    const cls = table[key];
    out.set(key, cls === undefined ? IGNORE_INDEX : ls.classes.indexOf(cls));
  }
  return out;
}

/**
 * A 256-entry table Cityscapes id -> class index of `space`; ids that are not Cityscapes ids (>33) hold
 * UNKNOWN_ID so callers can report them.
 */
export function cityscapesLut(space: string): Uint16Array {
  const lut = new Uint16Array(256).fill(UNKNOWN_ID);
  for (const [k, v] of nativeMapping(space, 'cityscapes')) lut[Number(k)] = v;
  return lut;
}

/**
 * A 65536-entry table SYNTHIA class id (a 16-bit label sample) -> class index of `space`; values that are no
 * SYNTHIA id (>22) hold UNKNOWN_ID so callers can report them.
 */
export function synthiaLut(space: string): Uint16Array {
  const lut = new Uint16Array(65536).fill(UNKNOWN_ID);
  for (const [k, v] of nativeMapping(space, 'synthia')) lut[Number(k)] = v;
  return lut;
}

/** Marks a label value that is no known native id in cityscapesLut() and synthiaLut(). */
export const UNKNOWN_ID = 256;

/** Indices in label space `space` of the classes named in `names` (e.g. SYNTHIA13_CLASSES); a name not in it throws. */
export function classIndices(space: string, names: readonly string[]): number[] {
  const ls = getLabelSpace(space);
  return names.map((n) => {
    const k = ls.classes.indexOf(n);
    if (k < 0) throw new Error(`label space ${ls.name} has no class ${JSON.stringify(n)}; its classes: ${ls.classes.join(', ')}`);
    return k;
  });
}

// Declarations are checked once at load so a typo cannot silently map a class to -1.
for (const [name, d] of Object.entries(DECLS) as [string, SpaceDecl][]) {
  const classes = d.classes.map((c) => c[0]);
  if (new Set(classes).size !== classes.length) throw new Error(`label space ${name}: duplicate class names`);
  for (const [src, table] of Object.entries(d.from) as [NativeSource, Record<string, string>][]) {
    for (const [k, cls] of Object.entries(table)) {
      if (!NATIVE_KEYS[src].includes(k)) throw new Error(`label space ${name}: ${src} has no category ${k}`);
      if (!classes.includes(cls)) throw new Error(`label space ${name}: ${src} ${k} maps to unknown class ${cls}`);
    }
  }
}
classIndices('synthia16', SYNTHIA13_CLASSES);
