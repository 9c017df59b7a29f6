/**
 * Texture styles: a style maps every scene part to one or more textures (a primitive's `variant`
 * picks among them). Styles never touch geometry, so two styles give identical label maps.
 */
import type { TextureSpec } from './textures.js';

/** Visual parts a scene is made of; several parts can share one class (a car's body, glass and tyres). */
export const PART_KINDS = [
  'sky',
  'road',
  'marking',
  'terrain',
  'building',
  'window',
  'trunk',
  'canopy',
  'bush',
  'rail',
  'pole',
  'sign',
  'signRim',
  'lightBox',
  'lamp',
  'misc',
  'carBody',
  'vanBody',
  'truckBody',
  'glass',
  'tyre',
  'rearLight',
  'frontLight',
  'skyline',
  'treeline',
  'hill',
] as const;

/** A scene part name. */
export type PartKind = (typeof PART_KINDS)[number];

/** A named texture style. */
export interface Style {
  readonly name: string;
  readonly parts: Readonly<Record<PartKind, readonly TextureSpec[]>>;
  /**
   * Textures by class index that replace the part's for every primitive of that class (the
   * cue-conflict suite dresses each class region in another class's texture, whatever its parts).
   */
  readonly byClass?: Readonly<Partial<Record<number, readonly TextureSpec[]>>>;
}

const flat = (a: TextureSpec['a'], noise = 0.03): TextureSpec => ({ kind: 'flat', a, noise });

/** The default look: roughly photographic colours and textures. */
export const DEFAULT_STYLE: Style = {
  name: 'default',
  parts: {
    sky: [{ kind: 'gradient', a: [88, 142, 214], b: [196, 220, 240], noise: 0.01 }],
    road: [{ kind: 'blotch', a: [78, 78, 84], b: [102, 100, 102], scale: 3, noise: 0.06 }],
    marking: [flat([236, 236, 226], 0.04)],
    terrain: [
      { kind: 'blotch', a: [104, 128, 58], b: [150, 132, 86], scale: 2.5, noise: 0.08 },
      { kind: 'blotch', a: [120, 136, 64], b: [160, 150, 96], scale: 4, noise: 0.08 },
    ],
    building: [
      { kind: 'bricks', a: [150, 74, 52], b: [196, 186, 172], scale: 0.9, noise: 0.05 },
      flat([204, 190, 156], 0.05),
      flat([152, 152, 158], 0.05),
      { kind: 'stripes', a: [176, 170, 160], b: [150, 146, 138], scale: 3, angle: 0, noise: 0.04 },
      { kind: 'bricks', a: [178, 150, 110], b: [210, 204, 190], scale: 1.2, noise: 0.05 },
    ],
    window: [
      { kind: 'gradient', a: [42, 54, 76], b: [96, 112, 130], noise: 0.02 },
      { kind: 'gradient', a: [60, 72, 86], b: [140, 156, 170], noise: 0.02 },
    ],
    trunk: [flat([92, 66, 42], 0.08)],
    canopy: [
      { kind: 'blotch', a: [30, 74, 24], b: [76, 124, 40], scale: 0.9, noise: 0.1 },
      { kind: 'blotch', a: [40, 84, 34], b: [92, 136, 50], scale: 0.7, noise: 0.1 },
    ],
    bush: [{ kind: 'blotch', a: [96, 142, 40], b: [150, 176, 64], scale: 0.4, noise: 0.12 }],
    rail: [{ kind: 'stripes', a: [184, 188, 192], b: [140, 146, 152], scale: 0.12, angle: 0, noise: 0.03 }],
    pole: [flat([132, 132, 136], 0.03), flat([72, 74, 78], 0.03)],
    sign: [flat([30, 80, 200]), flat([236, 236, 236]), flat([246, 204, 30]), flat([40, 140, 70])],
    signRim: [flat([206, 30, 34]), flat([246, 246, 246])],
    lightBox: [flat([34, 34, 36], 0.02), flat([58, 62, 48], 0.02)],
    lamp: [flat([255, 40, 30]), flat([255, 196, 20]), flat([40, 255, 110])],
    misc: [flat([44, 100, 56]), flat([224, 118, 40]), { kind: 'stripes', a: [132, 100, 62], b: [100, 74, 44], scale: 0.25, angle: 90, noise: 0.05 }],
    carBody: [
      flat([180, 24, 30], 0.02),
      flat([28, 60, 150], 0.02),
      flat([226, 228, 230], 0.02),
      flat([30, 30, 34], 0.02),
      flat([170, 172, 176], 0.02),
      flat([36, 90, 60], 0.02),
      flat([200, 160, 40], 0.02),
    ],
    vanBody: [flat([236, 236, 236], 0.02), flat([160, 164, 168], 0.02), flat([40, 70, 130], 0.02), flat([210, 190, 60], 0.02)],
    truckBody: [
      flat([220, 220, 214], 0.03),
      { kind: 'stripes', a: [200, 60, 40], b: [230, 230, 230], scale: 1.6, angle: 0, noise: 0.03 },
      flat([60, 100, 160], 0.03),
      flat([120, 120, 96], 0.03),
    ],
    glass: [{ kind: 'gradient', a: [40, 48, 58], b: [110, 122, 134], noise: 0.02 }],
    tyre: [flat([22, 22, 24], 0.02)],
    rearLight: [flat([210, 24, 24], 0.02)],
    frontLight: [flat([240, 240, 210], 0.02)],
    skyline: [flat([128, 136, 152], 0.02), flat([150, 152, 160], 0.02)],
    treeline: [{ kind: 'blotch', a: [40, 70, 40], b: [70, 96, 56], scale: 6, noise: 0.05 }],
    hill: [{ kind: 'blotch', a: [110, 126, 90], b: [136, 146, 110], scale: 30, noise: 0.03 }],
  },
};

/**
 * Same scenes, different surface statistics: every part gets another texture family and palette,
 * so a model that relies on texture rather than shape loses accuracy on it.
 */
export const SHIFTED_STYLE: Style = {
  name: 'shifted',
  parts: {
    sky: [{ kind: 'gradient', a: [236, 196, 150], b: [250, 236, 200], noise: 0.02 }],
    road: [{ kind: 'checker', a: [128, 70, 64], b: [156, 100, 92], scale: 1.5, noise: 0.04 }],
    marking: [flat([40, 200, 220], 0.04)],
    terrain: [
      { kind: 'stripes', a: [120, 96, 160], b: [92, 80, 130], scale: 1.2, angle: 45, noise: 0.05 },
      { kind: 'checker', a: [130, 110, 170], b: [100, 90, 140], scale: 2, noise: 0.05 },
    ],
    building: [
      { kind: 'blotch', a: [40, 140, 140], b: [90, 190, 180], scale: 2, noise: 0.05 },
      { kind: 'checker', a: [60, 120, 90], b: [90, 160, 120], scale: 1, noise: 0.04 },
      { kind: 'stripes', a: [110, 170, 200], b: [80, 130, 160], scale: 0.8, angle: 90, noise: 0.04 },
    ],
    window: [{ kind: 'stripes', a: [240, 220, 100], b: [200, 170, 60], scale: 0.3, angle: 45, noise: 0.02 }],
    trunk: [{ kind: 'stripes', a: [200, 200, 210], b: [150, 150, 170], scale: 0.3, angle: 0, noise: 0.05 }],
    canopy: [
      { kind: 'checker', a: [210, 120, 40], b: [240, 160, 70], scale: 0.6, noise: 0.05 },
      { kind: 'stripes', a: [200, 90, 60], b: [240, 150, 90], scale: 0.5, angle: 30, noise: 0.05 },
    ],
    bush: [{ kind: 'stripes', a: [230, 110, 170], b: [180, 70, 130], scale: 0.3, angle: 90, noise: 0.06 }],
    rail: [{ kind: 'checker', a: [70, 60, 120], b: [110, 100, 160], scale: 0.15, noise: 0.03 }],
    pole: [flat([220, 60, 160], 0.04), flat([60, 200, 90], 0.04)],
    sign: [flat([120, 40, 140]), flat([40, 40, 40]), flat([60, 200, 200]), flat([230, 120, 30])],
    signRim: [flat([40, 160, 60]), flat([20, 20, 20])],
    lightBox: [flat([220, 220, 200], 0.02), flat([180, 150, 220], 0.02)],
    lamp: [flat([40, 60, 255]), flat([255, 40, 220]), flat([255, 255, 255])],
    misc: [{ kind: 'checker', a: [200, 200, 60], b: [60, 60, 60], scale: 0.2, noise: 0.03 }, flat([80, 40, 160])],
    carBody: [
      { kind: 'stripes', a: [60, 180, 80], b: [30, 120, 60], scale: 0.4, angle: 0, noise: 0.02 },
      { kind: 'checker', a: [240, 200, 40], b: [200, 140, 20], scale: 0.3, noise: 0.02 },
      { kind: 'blotch', a: [160, 60, 200], b: [220, 140, 240], scale: 0.5, noise: 0.02 },
    ],
    vanBody: [
      { kind: 'stripes', a: [250, 150, 40], b: [200, 90, 20], scale: 0.5, angle: 90, noise: 0.02 },
      { kind: 'checker', a: [90, 200, 220], b: [40, 140, 170], scale: 0.4, noise: 0.02 },
    ],
    truckBody: [
      { kind: 'checker', a: [60, 60, 180], b: [120, 120, 230], scale: 0.8, noise: 0.03 },
      { kind: 'blotch', a: [150, 200, 60], b: [210, 230, 120], scale: 1, noise: 0.03 },
    ],
    glass: [{ kind: 'gradient', a: [230, 120, 120], b: [250, 200, 200], noise: 0.02 }],
    tyre: [flat([220, 220, 220], 0.02)],
    rearLight: [flat([40, 220, 40], 0.02)],
    frontLight: [flat([40, 40, 220], 0.02)],
    skyline: [flat([200, 150, 120], 0.02)],
    treeline: [{ kind: 'checker', a: [170, 90, 40], b: [200, 130, 60], scale: 4, noise: 0.04 }],
    hill: [{ kind: 'stripes', a: [150, 120, 190], b: [130, 100, 170], scale: 20, angle: 0, noise: 0.03 }],
  },
};

/** The hand-made styles by name (derived and per-frame styles: suite-styles.ts). */
export const STYLES: Readonly<Record<string, Style>> = { default: DEFAULT_STYLE, shifted: SHIFTED_STYLE };

/** The texture of a part for a primitive's variant in [0,1). */
export function partTexture(style: Style, part: PartKind, variant: number): TextureSpec {
  return pickVariant(style.parts[part], variant);
}

/** The texture of a primitive of class `cls`: the style's class override if it has one, else its part's. */
export function primTexture(style: Style, part: PartKind, cls: number, variant: number): TextureSpec {
  const override = style.byClass?.[cls];
  return override ? pickVariant(override, variant) : partTexture(style, part, variant);
}

function pickVariant(list: readonly TextureSpec[], variant: number): TextureSpec {
  return list[Math.min(list.length - 1, Math.floor(variant * list.length))]!;
}
