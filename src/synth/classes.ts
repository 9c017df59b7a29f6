/**
 * The Virtual KITTI class table shared by the synthetic generator and anyone else who needs
 * class names, VKITTI 1.3.1 / 2.x colours or the KITTI (Cityscapes label id) mapping.
 * Class index = position in SYNTH_CLASSES; IGNORE_INDEX (src/data/label-spaces.ts, 255) is "ignore / Undefined".
 */

export type RGB = readonly [number, number, number];

/** One semantic class: its VKITTI name, colours in both VKITTI versions and its Cityscapes label id. */
export interface SynthClass {
  readonly name: string;
  /** Colour in vkitti_1.3.1_scenegt (instance classes get per-instance colours instead). */
  readonly vkitti1: RGB;
  /** Colour in Virtual KITTI 2 classSegmentation / colors.txt. */
  readonly vkitti2: RGB;
  /** Cityscapes label id used by the KITTI semantic benchmark. */
  readonly cityscapesId: number;
  /** True for classes VKITTI 1.3.1 encodes per instance (`Car:0`, `Van:3`, ...). */
  readonly instanced: boolean;
}

/** All classes in index order (class index = array position). */
export const SYNTH_CLASSES: readonly SynthClass[] = [
  { name: 'Terrain', vkitti1: [210, 0, 200], vkitti2: [210, 0, 200], cityscapesId: 22, instanced: false },
  { name: 'Sky', vkitti1: [90, 200, 255], vkitti2: [90, 200, 255], cityscapesId: 23, instanced: false },
  { name: 'Tree', vkitti1: [0, 199, 0], vkitti2: [0, 199, 0], cityscapesId: 21, instanced: false },
  { name: 'Vegetation', vkitti1: [90, 240, 0], vkitti2: [90, 240, 0], cityscapesId: 21, instanced: false },
  { name: 'Building', vkitti1: [140, 140, 140], vkitti2: [140, 140, 140], cityscapesId: 11, instanced: false },
  { name: 'Road', vkitti1: [100, 60, 100], vkitti2: [100, 60, 100], cityscapesId: 7, instanced: false },
  // The two VKITTI versions really do differ here (255 vs 250).
  { name: 'GuardRail', vkitti1: [255, 100, 255], vkitti2: [250, 100, 255], cityscapesId: 14, instanced: false },
  { name: 'TrafficSign', vkitti1: [255, 255, 0], vkitti2: [255, 255, 0], cityscapesId: 20, instanced: false },
  { name: 'TrafficLight', vkitti1: [200, 200, 0], vkitti2: [200, 200, 0], cityscapesId: 19, instanced: false },
  { name: 'Pole', vkitti1: [255, 130, 0], vkitti2: [255, 130, 0], cityscapesId: 17, instanced: false },
  { name: 'Misc', vkitti1: [80, 80, 80], vkitti2: [80, 80, 80], cityscapesId: 4, instanced: false },
  { name: 'Truck', vkitti1: [160, 60, 60], vkitti2: [160, 60, 60], cityscapesId: 27, instanced: false },
  { name: 'Car', vkitti1: [255, 127, 80], vkitti2: [255, 127, 80], cityscapesId: 26, instanced: true },
  { name: 'Van', vkitti1: [0, 139, 139], vkitti2: [0, 139, 139], cityscapesId: 26, instanced: true },
];

/** Class index constants (positions in SYNTH_CLASSES). */
export const C = {
  Terrain: 0,
  Sky: 1,
  Tree: 2,
  Vegetation: 3,
  Building: 4,
  Road: 5,
  GuardRail: 6,
  TrafficSign: 7,
  TrafficLight: 8,
  Pole: 9,
  Misc: 10,
  Truck: 11,
  Car: 12,
  Van: 13,
} as const;

/** Number of real classes. */
export const NUM_SYNTH_CLASSES = SYNTH_CLASSES.length;

/** Class names in index order. */
export const SYNTH_CLASS_NAMES: readonly string[] = SYNTH_CLASSES.map((c) => c.name);

/** Colour of `Undefined` in VKITTI 2's colors.txt. */
export const VKITTI2_UNDEFINED: RGB = [0, 0, 0];

/** Cityscapes label id written for Undefined pixels in the KITTI layout ("unlabeled"). */
export const CITYSCAPES_UNLABELED = 0;

/** Index of a class by VKITTI name; throws naming the name if unknown. */
export function classIndex(name: string): number {
  const i = SYNTH_CLASS_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown synth class "${name}" (known: ${SYNTH_CLASS_NAMES.join(', ')})`);
  return i;
}
