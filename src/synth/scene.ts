/**
 * Procedural road-scene geometry in world metres (Y up, Z forward, camera at X=0).
 * A scene depends only on (seed, world, frame): styles and variations re-render the same primitives,
 * which is what keeps label maps identical across styles and lighting variations.
 */
import { C } from './classes.js';
import { hashSeed, Rng } from './prng.js';
import type { PartKind } from './styles.js';

/** Draw order group: ground surfaces, then shadows (darken only), then everything standing. */
export type PrimLayer = 0 | 1 | 2;

interface PrimBase {
  part: PartKind;
  cls: number;
  /** Per-frame instance index (into Scene.instances) or -1. */
  inst: number;
  /** In [0,1): picks the texture among a style's alternatives for the part. */
  variant: number;
  /** Face lighting multiplier. */
  shade: number;
  /** Decal level: higher wins over coplanar lower levels. */
  bias: number;
  layer: PrimLayer;
}
/** Planar polygon, flat xyz triples. */
export interface PolyPrim extends PrimBase {
  type: 'poly';
  pts: number[];
}
/** Camera-facing ellipse (canopies, round signs, lamps). */
export interface DiscPrim extends PrimBase {
  type: 'disc';
  x: number;
  y: number;
  z: number;
  rx: number;
  ry: number;
}
/** Camera-facing vertical bar (poles, trunks) that never gets thinner than the renderer's minimum width. */
export interface BarPrim extends PrimBase {
  type: 'bar';
  x: number;
  z: number;
  y0: number;
  y1: number;
  w: number;
}
/** Any scene primitive. */
export type Prim = PolyPrim | DiscPrim | BarPrim;

/** A generated frame's geometry plus per-frame camera and exposure jitter. */
export interface Scene {
  readonly camH: number;
  readonly horizonFrac: number;
  readonly exposure: number;
  readonly prims: Prim[];
  /** Class index (Car or Van) of each per-frame instance. */
  readonly instances: number[];
}

type SideKind = 'buildings' | 'trees' | 'open' | 'hedge';

/** Scene statistics of one Virtual KITTI world. */
interface WorldProfile {
  lanesLeft: [number, number];
  lanesRight: [number, number];
  twoWay: boolean;
  side: Record<SideKind, number>;
  guardRail: number;
  curvature: number;
  signs: [number, number];
  lights: [number, number];
  streetLights: [number, number];
  overheadLights: number;
  vehicleDensity: number;
  vanShare: number;
  truckShare: number;
  parked: number;
  verge: [number, number];
  backdrop: 'skyline' | 'treeline' | 'hills';
}

/** World ids with a scene profile (the five Virtual KITTI worlds). */
export const WORLD_IDS = ['0001', '0002', '0006', '0018', '0020'] as const;

/** A Virtual KITTI world id. */
export type WorldId = (typeof WORLD_IDS)[number];

const WORLDS: Record<WorldId, WorldProfile> = {
  // urban street: buildings, parked cars, many lights
  '0001': {
    lanesLeft: [1, 1],
    lanesRight: [0, 1],
    twoWay: true,
    side: { buildings: 6, trees: 2, open: 1, hedge: 1 },
    guardRail: 0.1,
    curvature: 0.0006,
    signs: [1, 3],
    lights: [1, 3],
    streetLights: [0, 2],
    overheadLights: 0.35,
    vehicleDensity: 0.55,
    vanShare: 0.2,
    truckShare: 0.08,
    parked: 0.6,
    verge: [1.5, 3.5],
    backdrop: 'skyline',
  },
  // suburban road lined with trees
  '0002': {
    lanesLeft: [1, 1],
    lanesRight: [0, 0],
    twoWay: true,
    side: { buildings: 2, trees: 5, open: 2, hedge: 2 },
    guardRail: 0.25,
    curvature: 0.0012,
    signs: [1, 3],
    lights: [1, 2],
    streetLights: [0, 2],
    overheadLights: 0.15,
    vehicleDensity: 0.4,
    vanShare: 0.25,
    truckShare: 0.08,
    parked: 0.3,
    verge: [2, 5],
    backdrop: 'treeline',
  },
  // town crossing: mixed sides, overhead lights
  '0006': {
    lanesLeft: [1, 2],
    lanesRight: [0, 1],
    twoWay: true,
    side: { buildings: 4, trees: 3, open: 1, hedge: 1 },
    guardRail: 0.15,
    curvature: 0.0004,
    signs: [1, 3],
    lights: [2, 3],
    streetLights: [1, 2],
    overheadLights: 0.5,
    vehicleDensity: 0.6,
    vanShare: 0.2,
    truckShare: 0.1,
    parked: 0.4,
    verge: [1.5, 3],
    backdrop: 'skyline',
  },
  // forest road with guard rails
  '0018': {
    lanesLeft: [1, 1],
    lanesRight: [0, 1],
    twoWay: true,
    side: { buildings: 0.5, trees: 6, open: 1, hedge: 1 },
    guardRail: 0.8,
    curvature: 0.0015,
    signs: [1, 2],
    lights: [1, 1],
    streetLights: [0, 1],
    overheadLights: 0.1,
    vehicleDensity: 0.35,
    vanShare: 0.2,
    truckShare: 0.15,
    parked: 0.05,
    verge: [2, 5],
    backdrop: 'treeline',
  },
  // open highway: guard rails, trucks, hills
  '0020': {
    lanesLeft: [1, 2],
    lanesRight: [0, 1],
    twoWay: false,
    side: { buildings: 1, trees: 3, open: 4, hedge: 1 },
    guardRail: 0.75,
    curvature: 0.0008,
    signs: [1, 3],
    lights: [1, 2],
    streetLights: [1, 2],
    overheadLights: 0.2,
    vehicleDensity: 0.55,
    vanShare: 0.2,
    truckShare: 0.25,
    parked: 0,
    verge: [3, 7],
    backdrop: 'hills',
  },
};

const LANE = 3.5;

/** What a primitive shows and how it is lit: the PrimBase fields, with the common values left out. */
interface Look {
  part: PartKind;
  cls: number;
  variant: number;
  /** Instance index; -1 (none) when omitted. */
  inst?: number;
  /** 1 when omitted. */
  shade?: number;
  /** 0 when omitted (1 for decals). */
  bias?: number;
  /** 2 (standing) when omitted (0 for ground strips). */
  layer?: PrimLayer;
}

/** An axis-aligned box in world metres. */
interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  z0: number;
  z1: number;
}

/** One side of the road: -1 left, 1 right; its edge's X (from the road centre) and the verge width beyond it. */
interface Roadside {
  side: -1 | 1;
  edge: number;
  verge: number;
}

/** A run of roadside objects on one side, starting at lateral offset x (from the road centre), from depth za to zb. */
interface Stretch {
  side: -1 | 1;
  x: number;
  za: number;
  zb: number;
}

/** Both road edges with their verge widths and guard rails ([left, right]). */
interface RoadEdges {
  xl: number;
  xr: number;
  verges: [number, number];
  railed: [boolean, boolean];
}

/** Where a vehicle of class `kind` goes: centre x, near face at depth z, facing the camera (toward) or not. */
interface VehiclePlacement {
  kind: number;
  x: number;
  z: number;
  toward: boolean;
  place: boolean;
}

const MARKING: Look = { part: 'marking', cls: C.Road, variant: 0, bias: 2 };

/** Collects primitives with shared defaults. */
class Builder {
  readonly prims: Prim[] = [];
  readonly instances: number[] = [];
  constructor(
    readonly rng: Rng,
    readonly curv: number,
    readonly sun: number,
    readonly camH: number,
  ) {}

  /** Lateral road-centre shift at depth z (road curvature). */
  shift(z: number): number {
    return this.curv * z * z;
  }

  private base(l: Look): PrimBase {
    return { part: l.part, cls: l.cls, inst: l.inst ?? -1, variant: l.variant, shade: l.shade ?? 1, bias: l.bias ?? 0, layer: l.layer ?? 2 };
  }

  poly(pts: number[], look: Look): void {
    this.prims.push({ type: 'poly', pts, ...this.base(look) });
  }

  disc({ x, y, z, rx, ry }: Pick<DiscPrim, 'x' | 'y' | 'z' | 'rx' | 'ry'>, look: Look): void {
    this.prims.push({ type: 'disc', x, y, z, rx, ry, ...this.base(look) });
  }

  bar({ x, z, y0, y1, w }: Pick<BarPrim, 'x' | 'z' | 'y0' | 'y1' | 'w'>, look: Look): void {
    this.prims.push({ type: 'bar', x, z, y0, y1, w, ...this.base(look) });
  }

  /** Ground quad following the road curve between depths za and zb at lateral offsets xa..xb (from the road centre). */
  groundStrip({ xa, xb, za, zb }: { xa: number; xb: number; za: number; zb: number }, look: Look): void {
    const sa = this.shift(za);
    const sb = this.shift(zb);
    this.poly([sa + xa, 0, za, sa + xb, 0, za, sb + xb, 0, zb, sb + xa, 0, zb], { ...look, layer: look.layer ?? 0 });
  }

  /** Visible faces of an axis-aligned box (camera at (0, camH, 0)); each face is shaded by its direction. */
  box({ x0, x1, y0, y1, z0, z1 }: Box, look: Omit<Look, 'shade'>): void {
    const sideL = this.sun > 0 ? 0.7 : 0.88; // face looking at -X
    const sideR = this.sun > 0 ? 0.88 : 0.7;
    if (z0 > 0) this.poly([x0, y0, z0, x1, y0, z0, x1, y1, z0, x0, y1, z0], { ...look, shade: 1 });
    if (z1 < 0) this.poly([x0, y0, z1, x1, y0, z1, x1, y1, z1, x0, y1, z1], { ...look, shade: 0.8 });
    if (x0 > 0) this.poly([x0, y0, z0, x0, y0, z1, x0, y1, z1, x0, y1, z0], { ...look, shade: sideL });
    if (x1 < 0) this.poly([x1, y0, z0, x1, y0, z1, x1, y1, z1, x1, y1, z0], { ...look, shade: sideR });
    if (y1 < this.camH) this.poly([x0, y1, z0, x1, y1, z0, x1, y1, z1, x0, y1, z1], { ...look, shade: 1.12 });
  }

  /** Decal in the plane Z = z (facing the camera). */
  decalZ({ z, x0, x1, y0, y1 }: { z: number; x0: number; x1: number; y0: number; y1: number }, look: Look): void {
    this.poly([x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z], { ...look, bias: look.bias ?? 1 });
  }

  /** Decal in the plane X = x, shaded like the box side it sits on. */
  decalX({ x, z0, z1, y0, y1 }: { x: number; z0: number; z1: number; y0: number; y1: number }, look: Omit<Look, 'shade'>): void {
    const shade = x > 0 === this.sun > 0 ? 0.7 : 0.88;
    this.poly([x, y0, z0, x, y0, z1, x, y1, z1, x, y1, z0], { ...look, shade, bias: look.bias ?? 1 });
  }
}

/** Generates the geometry of frame `frame` of `world` for a dataset seed. */
export function generateScene(seed: number, world: string, frame: number): Scene {
  const profile = (WORLDS as Record<string, WorldProfile | undefined>)[world];
  if (!profile) throw new Error(`unknown world "${world}" (known: ${WORLD_IDS.join(', ')})`);
  const rng = new Rng(hashSeed(seed, world, frame));
  const camH = rng.range(1.5, 1.8);
  const horizonFrac = rng.range(0.43, 0.49);
  const exposure = rng.range(0.88, 1.1);
  const curv = rng.range(-profile.curvature, profile.curvature);
  const b = new Builder(rng, curv, rng.chance(0.5) ? 1 : -1, camH);

  const nL = rng.int(...profile.lanesLeft);
  const nR = rng.int(...profile.lanesRight);
  const egoOffset = rng.range(-0.5, 0.5);
  // road edges relative to the (shifted) centre line; camera sits in its lane at X = 0
  const xl = -(nL + 0.5) * LANE - 0.4 + egoOffset;
  const xr = (nR + 0.5) * LANE + 0.4 + egoOffset;
  const lanes: Array<{ x: number; toward: boolean }> = [];
  for (let k = -nL; k <= nR; k++) lanes.push({ x: k * LANE + egoOffset, toward: profile.twoWay && k < 0 });

  buildGround(b, xl, xr, lanes);
  buildBackdrop(b, profile);
  const verges: [number, number] = [rng.range(...profile.verge), rng.range(...profile.verge)];
  const railed: [boolean, boolean] = [rng.chance(profile.guardRail), rng.chance(profile.guardRail)];
  for (const side of [-1, 1] as const) {
    const edge = side < 0 ? xl : xr;
    const verge = verges[side < 0 ? 0 : 1];
    buildSide(b, { side, edge, verge }, profile);
    if (railed[side < 0 ? 0 : 1]) buildGuardRail(b, edge + side * 0.6);
  }
  buildPoles(b, { xl, xr, verges, railed }, profile);
  buildVehicles(b, lanes, xr, profile);
  return { camH, horizonFrac, exposure, prims: b.prims, instances: b.instances };
}

function buildGround(b: Builder, xl: number, xr: number, lanes: Array<{ x: number; toward: boolean }>): void {
  const rng = b.rng;
  b.poly([-4000, 0, -60, 4000, 0, -60, 4000, 0, 3000, -4000, 0, 3000], { part: 'terrain', cls: C.Terrain, variant: rng.next(), layer: 0 });
  // road strips, denser near the camera where curvature shows
  const zs: number[] = [-40, -10];
  for (let z = 0.5; z < 600; z *= 1.18) zs.push(z);
  const roadVariant = rng.next();
  const edgeLines = rng.chance(0.8);
  for (let i = 0; i + 1 < zs.length; i++) {
    const za = zs[i]!;
    const zb = zs[i + 1]!;
    b.groundStrip({ xa: xl, xb: xr, za, zb }, { part: 'road', cls: C.Road, variant: roadVariant, bias: 1 });
    if (edgeLines && zb < 250) {
      b.groundStrip({ xa: xl + 0.25, xb: xl + 0.4, za, zb }, MARKING);
      b.groundStrip({ xa: xr - 0.4, xb: xr - 0.25, za, zb }, MARKING);
    }
  }
  // lane boundaries: dashed, or solid between opposite directions
  for (let i = 0; i + 1 < lanes.length; i++) {
    const x = (lanes[i]!.x + lanes[i + 1]!.x) / 2;
    const solid = lanes[i]!.toward !== lanes[i + 1]!.toward && rng.chance(0.5);
    const period = solid ? 4 : rng.range(9, 13);
    const dash = solid ? 4.01 : rng.range(3, 4.5);
    for (let z = -rng.range(0, period); z < 160; z += period) {
      b.groundStrip({ xa: x - 0.08, xb: x + 0.08, za: Math.max(z, -20), zb: z + dash }, MARKING);
    }
  }
}

function buildBackdrop(b: Builder, p: WorldProfile): void {
  const rng = b.rng;
  const z = 700;
  if (p.backdrop === 'skyline') {
    for (let x = -900; x < 900; ) {
      const w = rng.range(20, 60);
      const h = rng.range(12, 55);
      b.poly([x, 0, z, x + w, 0, z, x + w, h, z, x, h, z], { part: 'skyline', cls: C.Building, variant: rng.next() });
      x += w + (rng.chance(0.3) ? rng.range(5, 40) : 0);
    }
  } else if (p.backdrop === 'treeline') {
    const v = rng.next();
    for (let x = -900; x < 900; x += rng.range(10, 25)) {
      const r = rng.range(10, 22);
      b.disc({ x, y: rng.range(0, r * 0.6), z: z - 100, rx: r, ry: r * rng.range(1, 1.5) }, { part: 'treeline', cls: C.Tree, variant: v });
    }
  } else {
    for (let x = -2500; x < 2500; x += rng.range(300, 700)) {
      const r = rng.range(400, 900);
      b.disc({ x, y: -r * 0.3, z: 2500, rx: r, ry: rng.range(80, 200) }, { part: 'hill', cls: C.Terrain, variant: rng.next() });
    }
  }
}

function buildSide(b: Builder, { side, edge, verge }: Roadside, p: WorldProfile): void {
  const rng = b.rng;
  const kinds: SideKind[] = ['buildings', 'trees', 'open', 'hedge'];
  const weights = kinds.map((k) => p.side[k]);
  for (let z = -8; z < 150; ) {
    const kind = kinds[rng.weighted(weights)]!;
    const len = rng.range(15, 45);
    if (kind === 'buildings') buildings(b, { side, x: edge + side * (verge + rng.range(0.5, 4)), za: z, zb: z + len });
    else if (kind === 'trees') trees(b, { side, x: edge + side * verge * 0.5, za: z, zb: z + len });
    else if (kind === 'hedge') {
      const x = edge + side * verge * rng.range(0.4, 0.8);
      const h = rng.range(0.7, 1.6);
      const v = rng.next();
      for (let zz = z; zz < z + len; zz += 6) {
        const s = b.shift(zz);
        const x0 = s + x;
        const x1 = x0 + side * rng.range(0.7, 1.2);
        b.box({ x0: Math.min(x0, x1), x1: Math.max(x0, x1), y0: 0, y1: h, z0: zz, z1: zz + 6.05 }, { part: 'bush', cls: C.Vegetation, variant: v });
      }
      if (rng.chance(0.6)) trees(b, { side, x: edge + side * (verge + 2), za: z, zb: z + len });
    } else {
      // open land: scattered bushes, a fence or some clutter
      for (let zz = z; zz < z + len; zz += rng.range(3, 10)) {
        const r = rng.range(0.5, 1.3);
        b.disc(
          { x: b.shift(zz) + edge + side * rng.range(1, verge + 12), y: r * 0.35, z: zz, rx: r * rng.range(1.1, 1.8), ry: r },
          { part: 'bush', cls: C.Vegetation, variant: rng.next() },
        );
      }
      if (rng.chance(0.35)) fence(b, edge + side * (verge + rng.range(1, 3)), z, z + len);
    }
    z += len;
  }
}

function buildings(b: Builder, { side, x: xin, za, zb }: Stretch): void {
  const rng = b.rng;
  for (let z = za; z < zb; ) {
    const len = rng.range(8, 22);
    const depth = rng.range(8, 14);
    const h = rng.range(5, 18);
    const s = b.shift(z + len / 2);
    const xn = s + xin + side * rng.range(0, 2);
    const xf = xn + side * depth;
    const x0 = Math.min(xn, xf);
    const x1 = Math.max(xn, xf);
    const v = rng.next();
    b.box({ x0, x1, y0: 0, y1: h, z0: z, z1: z + len }, { part: 'building', cls: C.Building, variant: v });
    if (z + len > 2 && z < 90) {
      const window: Look = { part: 'window', cls: C.Building, variant: rng.next() };
      const ww = rng.range(0.9, 1.5);
      const wh = rng.range(1.1, 1.7);
      const pitch = rng.range(2.2, 3.5);
      for (let y = 1.0; y + wh < h - 0.5; y += 3) {
        // facade facing the road
        const xf2 = side < 0 ? x1 : x0;
        for (let wz = z + 1; wz + ww < z + len - 0.5; wz += pitch) b.decalX({ x: xf2, z0: wz, z1: wz + ww, y0: y, y1: y + wh }, window);
        // front facade
        if (z > 0) for (let wx = x0 + 1; wx + ww < x1 - 0.5; wx += pitch) b.decalZ({ z, x0: wx, x1: wx + ww, y0: y, y1: y + wh }, window);
      }
    }
    z += len + (rng.chance(0.4) ? rng.range(1, 6) : 0.05);
  }
}

function trees(b: Builder, { side, x: xin, za, zb }: Stretch): void {
  const rng = b.rng;
  for (const row of [0, 1]) {
    for (let z = za + rng.range(0, 4); z < zb; z += rng.range(row ? 3 : 5, row ? 7 : 12)) {
      const x = b.shift(z) + xin + side * (row ? rng.range(5, 12) : rng.range(0, 3));
      const th = rng.range(1.4, 3);
      const r = rng.range(1.3, 3.2);
      const trunkW = rng.range(0.22, 0.4);
      b.bar({ x, z, y0: 0, y1: th + r * 0.5, w: trunkW }, { part: 'trunk', cls: C.Tree, variant: 0 });
      const v = rng.next();
      const blobs = rng.int(2, 4);
      for (let k = 0; k < blobs; k++) {
        const rr = r * rng.range(0.6, 1);
        b.disc(
          { x: x + rng.range(-0.6, 0.6) * r, y: th + r * rng.range(0.6, 1.4), z, rx: rr, ry: rr * rng.range(0.9, 1.3) },
          { part: 'canopy', cls: C.Tree, variant: v },
        );
      }
    }
  }
}

function fence(b: Builder, x: number, za: number, zb: number): void {
  const rng = b.rng;
  const look: Look = { part: 'misc', cls: C.Misc, variant: rng.next() };
  const h = rng.range(0.8, 1.5);
  for (let z = za; z < zb; z += 2.5) {
    const s = b.shift(z);
    b.bar({ x: s + x, z, y0: 0, y1: h, w: 0.1 }, look);
    b.poly([s + x, h - 0.25, z, s + x, h - 0.25, z + 2.5, s + x, h - 0.1, z + 2.5, s + x, h - 0.1, z], { ...look, shade: 0.85 });
  }
}

function buildGuardRail(b: Builder, x: number): void {
  const rng = b.rng;
  const v = rng.next();
  const z0 = rng.chance(0.7) ? -10 : rng.range(5, 40);
  const z1 = z0 + rng.range(60, 200);
  for (let z = z0; z < z1; z += 4) {
    const sa = b.shift(z);
    const sb = b.shift(z + 4);
    b.poly([sa + x, 0.45, z, sb + x, 0.45, z + 4, sb + x, 0.8, z + 4, sa + x, 0.8, z], { part: 'rail', cls: C.GuardRail, variant: v, shade: 0.95 });
    b.bar({ x: sa + x, z, y0: 0, y1: 0.72, w: 0.14 }, { part: 'rail', cls: C.GuardRail, variant: v });
  }
}

/** Signs, traffic lights and street lights on poles; at least one sign and one light in most frames. */
function buildPoles(b: Builder, { xl, xr, verges, railed }: RoadEdges, p: WorldProfile): void {
  const rng = b.rng;
  const spot = (): { side: -1 | 1; x: number; z: number } => {
    const side: -1 | 1 = rng.chance(0.6) ? 1 : -1;
    const i = side < 0 ? 0 : 1;
    const edge = side < 0 ? xl : xr;
    const off = railed[i] ? rng.range(1.0, 1.6) : rng.range(0.5, Math.max(0.8, verges[i] * 0.7));
    const z = rng.range(6, 36);
    return { side, x: b.shift(z) + edge + side * off, z };
  };
  const nSigns = rng.chance(0.92) ? rng.int(...p.signs) : 0;
  for (let k = 0; k < nSigns; k++) {
    const { x, z } = spot();
    const hp = rng.range(1.8, 2.6);
    const r = rng.range(0.36, 0.55);
    b.bar({ x, z, y0: 0, y1: hp + r * 2, w: rng.range(0.08, 0.12) }, { part: 'pole', cls: C.Pole, variant: rng.next() });
    sign(b, { x, y: hp + r, z: z - 0.05, r });
    if (rng.chance(0.25)) sign(b, { x, y: hp - r * 0.9, z: z - 0.05, r: r * 0.7 });
  }
  const nLights = rng.chance(0.9) ? rng.int(...p.lights) : 0;
  for (let k = 0; k < nLights; k++) {
    const { side, x, z } = spot();
    const pole: Look = { part: 'pole', cls: C.Pole, variant: rng.next() };
    if (rng.chance(p.overheadLights)) {
      const h = rng.range(5.2, 6.5);
      const reach = rng.range(3, 6);
      b.bar({ x, z, y0: 0, y1: h, w: rng.range(0.14, 0.2) }, pole);
      const xe = x - side * reach;
      b.box({ x0: Math.min(x, xe), x1: Math.max(x, xe), y0: h - 0.35, y1: h - 0.18, z0: z - 0.08, z1: z + 0.08 }, pole);
      lightHead(b, x - side * reach * rng.range(0.6, 0.95), h - 1.25, z - 0.2);
    } else {
      const h = rng.range(2.6, 3.6);
      b.bar({ x, z, y0: 0, y1: h + 0.2, w: rng.range(0.1, 0.16) }, pole);
      lightHead(b, x, h, z - 0.2);
    }
  }
  const nStreet = rng.int(...p.streetLights);
  for (let k = 0; k < nStreet; k++) {
    const { side, x, z } = spot();
    const h = rng.range(6.5, 9);
    const pole: Look = { part: 'pole', cls: C.Pole, variant: rng.next() };
    b.bar({ x, z, y0: 0, y1: h, w: rng.range(0.14, 0.22) }, pole);
    const xe = x - side * rng.range(1.2, 2.5);
    b.box({ x0: Math.min(x, xe), x1: Math.max(x, xe), y0: h - 0.2, y1: h, z0: z - 0.1, z1: z + 0.1 }, pole);
    const xh = xe - side * 0.6; // lamp housing at the arm's end
    b.box({ x0: Math.min(xe, xh), x1: Math.max(xe, xh), y0: h - 0.3, y1: h - 0.05, z0: z - 0.2, z1: z + 0.2 }, pole);
  }
  // clutter: bins and crates near the road edge
  for (let k = rng.int(0, 3); k > 0; k--) {
    const { x, z } = spot();
    const w = rng.range(0.6, 1.4);
    const h = rng.range(0.8, 1.5);
    b.box({ x0: x - w / 2, x1: x + w / 2, y0: 0, y1: h, z0: z, z1: z + w }, { part: 'misc', cls: C.Misc, variant: rng.next() });
  }
}

/** A traffic sign (round, triangular or rectangular) centred at (x, y, z) with radius r. */
function sign(b: Builder, { x, y, z, r }: { x: number; y: number; z: number; r: number }): void {
  const rng = b.rng;
  const shape = rng.int(0, 3);
  const rim: Look = { part: 'signRim', cls: C.TrafficSign, variant: rng.next(), bias: 1 };
  const face: Look = { part: 'sign', cls: C.TrafficSign, variant: rng.next(), bias: 2 };
  if (shape === 0) {
    b.disc({ x, y, z, rx: r, ry: r }, rim);
    b.disc({ x, y, z, rx: r * 0.75, ry: r * 0.75 }, face);
  } else if (shape === 1) {
    const tri = (s: number, look: Look): void => b.poly([x - s, y - s * 0.75, z, x + s, y - s * 0.75, z, x, y + s, z], look);
    tri(r * 1.15, rim);
    tri(r * 0.75, face);
  } else {
    const wr = shape === 2 ? r : r * 1.5;
    b.decalZ({ z, x0: x - wr, x1: x + wr, y0: y - r, y1: y + r }, rim);
    b.decalZ({ z, x0: x - wr * 0.85, x1: x + wr * 0.85, y0: y - r * 0.85, y1: y + r * 0.85 }, face);
  }
}

function lightHead(b: Builder, x: number, y: number, z: number): void {
  const rng = b.rng;
  const w = rng.range(0.36, 0.5);
  const h = w * 3;
  b.box({ x0: x - w / 2, x1: x + w / 2, y0: y, y1: y + h, z0: z, z1: z + 0.3 }, { part: 'lightBox', cls: C.TrafficLight, variant: rng.next() });
  const lit = rng.int(0, 2);
  for (let k = 0; k < 3; k++) {
    const lamp = { x, y: y + (h * (5 - 2 * k)) / 6, z, rx: w * 0.32, ry: w * 0.32 };
    if (k === lit) b.disc(lamp, { part: 'lamp', cls: C.TrafficLight, variant: (lit + 0.5) / 3, bias: 2 });
    else b.disc(lamp, { part: 'tyre', cls: C.TrafficLight, variant: 0, bias: 2 });
  }
}

function buildVehicles(b: Builder, lanes: Array<{ x: number; toward: boolean }>, xr: number, p: WorldProfile): void {
  const rng = b.rng;
  for (const lane of lanes) {
    for (let z = rng.range(6, 16); z < 95; ) {
      const kind = rng.chance(p.truckShare) ? C.Truck : rng.chance(p.vanShare) ? C.Van : C.Car;
      const len = vehicle(b, { kind, x: b.shift(z) + lane.x + rng.range(-0.3, 0.3), z, toward: lane.toward, place: rng.chance(p.vehicleDensity) });
      z += len + rng.range(6, 30);
    }
  }
  if (rng.chance(p.parked)) {
    for (let z = rng.range(5, 15); z < 70; ) {
      const kind = rng.chance(p.vanShare) ? C.Van : C.Car;
      const len = vehicle(b, { kind, x: b.shift(z) + xr - 1.2, z, toward: false, place: rng.chance(0.7) });
      z += len + rng.range(0.8, 8);
    }
  }
}

/** Adds a vehicle whose near face is at depth z (if `place`); returns its length either way (keeps spacing stable). */
function vehicle(b: Builder, { kind, x, z, toward, place }: VehiclePlacement): number {
  const rng = b.rng;
  const dims =
    kind === C.Truck
      ? [rng.range(7, 11), rng.range(2.35, 2.55), rng.range(3.2, 3.9)]
      : kind === C.Van
        ? [rng.range(4.8, 5.6), rng.range(1.9, 2.1), rng.range(1.9, 2.4)]
        : [rng.range(3.9, 4.8), rng.range(1.65, 1.9), rng.range(1.35, 1.55)];
  const [L, W, H] = dims as [number, number, number];
  const v = rng.next();
  if (!place) return L;
  const inst = kind === C.Truck ? -1 : b.instances.push(kind) - 1;
  const body: PartKind = kind === C.Truck ? 'truckBody' : kind === C.Van ? 'vanBody' : 'carBody';
  const x0 = x - W / 2;
  const x1 = x + W / 2;
  const z1 = z + L;
  const bodyLook: Look = { part: body, cls: kind, inst, variant: v };
  const glass: Look = { part: 'glass', cls: kind, inst, variant: 0 };
  const light: Look = { part: toward ? 'frontLight' : 'rearLight', cls: kind, inst, variant: 0 };
  // contact shadow under the body
  const sz = b.shift(z);
  b.groundStrip({ xa: x0 - 0.25 - sz, xb: x1 + 0.25 - sz, za: z - 0.3, zb: z1 + 0.3 }, { part: 'tyre', cls: C.Road, variant: 0, bias: 3, layer: 1 });
  // wheels first (they sit just outside the body sides)
  const wheel: Look = { part: 'tyre', cls: kind, inst, variant: 0 };
  const wr = kind === C.Truck ? 0.52 : 0.33;
  const axles = kind === C.Truck ? [z + 1.2, z1 - 1.3, z1 - 2.6] : [z + 0.8, z1 - 0.8];
  for (const az of axles) {
    b.box({ x0: x0 - 0.02, x1: x0 + 0.3, y0: 0, y1: wr * 2, z0: az - wr, z1: az + wr }, wheel);
    b.box({ x0: x1 - 0.3, x1: x1 + 0.02, y0: 0, y1: wr * 2, z0: az - wr, z1: az + wr }, wheel);
  }
  const sideX = x0 > 0 ? x0 : x1 < 0 ? x1 : NaN; // the side face the camera sees, if any
  if (kind === C.Car) {
    const hb = H * 0.6;
    b.box({ x0, x1, y0: 0.25, y1: hb, z0: z, z1 }, bodyLook);
    const c0 = z + L * (toward ? 0.3 : 0.22);
    const c1 = z + L * (toward ? 0.78 : 0.7);
    b.box({ x0: x0 + 0.08, x1: x1 - 0.08, y0: hb, y1: H, z0: c0, z1: c1 }, bodyLook);
    b.decalZ({ z: c0, x0: x0 + 0.16, x1: x1 - 0.16, y0: hb + 0.05, y1: H - 0.05 }, glass);
    if (!Number.isNaN(sideX)) {
      const sx = sideX + (sideX === x0 ? 0.08 : -0.08);
      b.decalX({ x: sx, z0: c0 + 0.1, z1: c1 - 0.1, y0: hb + 0.05, y1: H - 0.06 }, glass);
    }
    b.decalZ({ z, x0: x0 + 0.1, x1: x0 + 0.4, y0: hb - 0.22, y1: hb - 0.08 }, light);
    b.decalZ({ z, x0: x1 - 0.4, x1: x1 - 0.1, y0: hb - 0.22, y1: hb - 0.08 }, light);
  } else if (kind === C.Van) {
    b.box({ x0, x1, y0: 0.3, y1: H, z0: z, z1 }, bodyLook);
    const wy0 = H * 0.6;
    b.decalZ({ z, x0: x0 + 0.12, x1: x1 - 0.12, y0: wy0, y1: H - 0.12 }, glass);
    if (!Number.isNaN(sideX)) {
      const a = toward ? z + 0.3 : z1 - 1.8;
      b.decalX({ x: sideX, z0: a, z1: a + 1.5, y0: wy0, y1: H - 0.15 }, glass);
    }
    b.decalZ({ z, x0: x0 + 0.1, x1: x0 + 0.35, y0: 0.7, y1: 0.9 }, light);
    b.decalZ({ z, x0: x1 - 0.35, x1: x1 - 0.1, y0: 0.7, y1: 0.9 }, light);
  } else {
    // truck: cab at the front, cargo box behind it
    const cabL = 2.2;
    const cabH = H * 0.8;
    const cz0 = toward ? z : z1 - cabL;
    const cargo0 = toward ? z + cabL + 0.3 : z;
    const cargo1 = toward ? z1 : z1 - cabL - 0.3;
    b.box({ x0: x0 + 0.05, x1: x1 - 0.05, y0: 0.5, y1: cabH, z0: cz0, z1: cz0 + cabL }, { ...bodyLook, part: 'truckBody', variant: (v + 0.37) % 1 });
    b.box({ x0, x1, y0: 0.9, y1: H, z0: cargo0, z1: cargo1 }, bodyLook);
    if (toward) b.decalZ({ z, x0: x0 + 0.2, x1: x1 - 0.2, y0: cabH * 0.6, y1: cabH - 0.15 }, glass);
    b.decalZ({ z, x0: x0 + 0.1, x1: x0 + 0.4, y0: 0.95, y1: 1.2 }, light);
    b.decalZ({ z, x0: x1 - 0.4, x1: x1 - 0.1, y0: 0.95, y1: 1.2 }, light);
  }
  return L;
}
