// FractalDB's categories (Kataoka et al., "Pre-training without Natural Images", ACCV 2020): a category is an
// iterated function system (IFS), a few random affine maps (x, y) -> (a x + b y + e, c x + d y + f) with every
// parameter uniform in [-1, 1], kept only when its attractor, fitted to a square canvas, fills between a minimum
// and a maximum share of it. FractalDB draws 2-8 maps and keeps systems whose filling rate is at least 0.2
// (its best threshold); here 2-4 maps by default (small canvases resolve few details) and an upper bound too, so
// that near-solid blobs, whose outline says little, are refused as well. Instances of a category perturb one
// parameter of its system by a factor in [0.8, 1.2] (FractalDB's intra-category weighting) and flip the render.
import { hashSeed, Rng } from '../synth/prng.js';

/** One affine map [a, b, c, d, e, f]: x' = a x + b y + e, y' = c x + d y + f. */
export type AffineMap = readonly [number, number, number, number, number, number];

/** An iterated function system and the chaos game's map probabilities. */
export interface Ifs {
  readonly maps: readonly AffineMap[];
  /** Map probabilities (sum 1): FractalDB's |det| weighting, so each map covers its share of the attractor. */
  readonly weights: readonly number[];
}

/** How categories are drawn and filtered. */
export interface IfsSearchOptions {
  /** Fewest and most affine maps per system (FractalDB: 2 and 8). */
  minMaps: number;
  maxMaps: number;
  /** Accepted filling rates [min, max] of the attractor fitted to the filter grid (FractalDB: min 0.2, no max). */
  minFill: number;
  maxFill: number;
}

/** The defaults documented above. */
export const DEFAULT_IFS_SEARCH: IfsSearchOptions = { minMaps: 2, maxMaps: 4, minFill: 0.2, maxFill: 0.8 };

/** Side of the grid the filling rate is measured on and the chaos-game points it is measured with. */
export const FILTER_GRID = 64;
const FILTER_POINTS = 12_000;
/** Chaos-game iterations discarded before plotting: the orbit needs a few steps to reach the attractor. */
const TRANSIENT = 20;
/** Orbits beyond this are diverging (a non-contractive system): no attractor to draw. */
const DIVERGED = 1e6;
/** Systems tried per category before giving up. */
const MAX_TRIES = 100_000;

/** Builds a system from its maps with FractalDB's |det| probabilities (a floor keeps degenerate maps in play). */
export function makeIfs(maps: readonly AffineMap[]): Ifs {
  const dets = maps.map(([a, b, c, d]) => Math.max(Math.abs(a * d - b * c), 0.01));
  const total = dets.reduce((s, x) => s + x, 0);
  return { maps, weights: dets.map((x) => x / total) };
}

/** Runs the chaos game: `count` attractor points as interleaved x, y; null when the orbit diverges. */
export function chaosGame(ifs: Ifs, count: number, rng: Rng): Float64Array | null {
  const out = new Float64Array(2 * count);
  const n = ifs.maps.length;
  // flat typed arrays: this loop runs millions of times per pretraining
  const coef = new Float64Array(6 * n);
  const cumulative = new Float64Array(n);
  let acc = 0;
  ifs.maps.forEach((m, k) => {
    coef.set(m, 6 * k);
    cumulative[k] = acc += ifs.weights[k]!;
  });
  let x = 0;
  let y = 0;
  for (let i = -TRANSIENT; i < count; i++) {
    const u = rng.next();
    let k = 0;
    while (k < n - 1 && u >= cumulative[k]!) k++;
    const o = 6 * k;
    const nx = coef[o]! * x + coef[o + 1]! * y + coef[o + 4]!;
    y = coef[o + 2]! * x + coef[o + 3]! * y + coef[o + 5]!;
    x = nx;
    if (!(Math.abs(x) < DIVERGED && Math.abs(y) < DIVERGED)) return null;
    if (i >= 0) {
      out[2 * i] = x;
      out[2 * i + 1] = y;
    }
  }
  return out;
}

/** Where points land on a square grid: the points' bounding box fitted (aspect kept, centred) into [0, side). */
export interface GridFit {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** The aspect-preserving fit of `points` into a side × side grid (a degenerate box gets scale 0). */
export function fitToGrid(points: Float64Array, side: number): GridFit {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < points.length; i += 2) {
    const x = points[i]!;
    const y = points[i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const extent = Math.max(maxX - minX, maxY - minY);
  // just under `side`, so the largest coordinate still floors to side - 1
  const scale = extent > 1e-9 ? (side * (1 - 1e-9)) / extent : 0;
  return { scale, offsetX: (side - (maxX - minX) * scale) / 2 - minX * scale, offsetY: (side - (maxY - minY) * scale) / 2 - minY * scale };
}

/** Share of a side × side grid the points cover once fitted into it (FractalDB's filling rate). */
export function fillingRate(points: Float64Array, side = FILTER_GRID): number {
  const fit = fitToGrid(points, side);
  const grid = new Uint8Array(side * side);
  let filled = 0;
  for (let i = 0; i < points.length; i += 2) {
    const gx = Math.floor(points[i]! * fit.scale + fit.offsetX);
    const gy = Math.floor(points[i + 1]! * fit.scale + fit.offsetY);
    const at = gy * side + gx;
    if (grid[at] === 0) {
      grid[at] = 1;
      filled++;
    }
  }
  return filled / (side * side);
}

/** The filling rate of a system (measured with a fixed seed so it is a property of the system); NaN when it diverges. */
export function ifsFillingRate(ifs: Ifs): number {
  const points = chaosGame(ifs, FILTER_POINTS, new Rng(0x5eed));
  return points === null ? Number.NaN : fillingRate(points);
}

function accepted(ifs: Ifs, o: IfsSearchOptions): boolean {
  const fill = ifsFillingRate(ifs);
  return fill >= o.minFill && fill <= o.maxFill;
}

/** Category `index` of the set seeded by `seed`: the first random system that passes the filling-rate filter. */
export function generateCategory(seed: number, index: number, o: IfsSearchOptions = DEFAULT_IFS_SEARCH): Ifs {
  const rng = new Rng(hashSeed(seed, 'fractal-category', index));
  for (let t = 0; t < MAX_TRIES; t++) {
    const n = rng.int(o.minMaps, o.maxMaps);
    const maps = Array.from(
      { length: n },
      (): AffineMap => [rng.range(-1, 1), rng.range(-1, 1), rng.range(-1, 1), rng.range(-1, 1), rng.range(-1, 1), rng.range(-1, 1)],
    );
    const ifs = makeIfs(maps);
    if (accepted(ifs, o)) return ifs;
  }
  throw new Error(`no IFS with a filling rate in [${o.minFill}, ${o.maxFill}] after ${MAX_TRIES} tries (category ${index}, seed ${seed})`);
}

/** One instance of a category: the perturbed system and how it is drawn. */
export interface FractalInstance {
  readonly ifs: Ifs;
  /** Mirror the drawing left-right / top-bottom (FractalDB's flip variations). */
  readonly flipX: boolean;
  readonly flipY: boolean;
  /** Points drawn as 2 × 2 patches instead of single pixels (after FractalDB's patch rendering). */
  readonly patch: boolean;
  /** Share of the canvas side the attractor spans. */
  readonly scale: number;
  /** Seed of the instance's chaos game, so an instance always has the same points. */
  readonly pointSeed: number;
}

/** Instance `index` of `category`: instance 0 is the system itself; the others scale one parameter by [0.8, 1.2], may flip and thicken. */
export function generateInstance(category: Ifs, seed: number, categoryIndex: number, index: number, o: IfsSearchOptions = DEFAULT_IFS_SEARCH): FractalInstance {
  const rng = new Rng(hashSeed(seed, 'fractal-instance', categoryIndex, index));
  const first = index === 0;
  const drawing = {
    flipX: !first && rng.chance(0.5),
    flipY: !first && rng.chance(0.5),
    patch: !first && rng.chance(0.5),
    scale: first ? 0.9 : rng.range(0.7, 1),
    pointSeed: hashSeed(seed, 'fractal-points', categoryIndex, index),
  };
  if (first) return { ifs: category, ...drawing };
  // a perturbation can push the system out of the accepted range: draw another, and keep the category's as a last resort
  for (let t = 0; t < 20; t++) {
    const m = rng.int(0, category.maps.length - 1);
    const p = rng.int(0, 5);
    const w = rng.range(0.8, 1.2);
    const maps = category.maps.map((map, i): AffineMap => {
      if (i !== m) return map;
      const changed: [number, number, number, number, number, number] = [...map];
      changed[p] = changed[p]! * w;
      return changed;
    });
    const ifs = makeIfs(maps);
    if (accepted(ifs, o)) return { ifs, ...drawing };
  }
  return { ifs: category, ...drawing };
}
