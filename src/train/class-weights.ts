// train.loss.classWeights: cross-entropy weights from the training set's class frequencies, counted once per run
// (pixels of the training labels, ignore excluded) and recorded in <run>/class-weights.json; a resume reads them back.
//   median-frequency (Eigen & Fergus, ICCV 2015): w_c = median_c(f_c) / f_c, with f_c = pixels of class c divided
//     by the labelled pixels of the images in which c appears (the median over the classes that appear).
//   inverse-log (ENet, Paszke et al. 2016): w_c = 1 / ln(1.02 + p_c), with p_c = pixels of c / all labelled pixels.
// A class absent from the training labels gets weight 0: no training pixel carries it, so the weight never enters
// the loss, and 0 shows plainly in the record that the class was never seen (neither formula is finite for it).
import * as fs from 'node:fs';
import type { Dataset } from '../data/dataset.js';
import { IGNORE_INDEX } from '../data/label-spaces.js';
import type { LossConfig } from './loss-schema.js';
import { writeJson } from './run-dir.js';

/** Per-class pixel counts of a label set. */
export interface ClassHistogram {
  /** Labelled pixels of each class. */
  pixels: number[];
  /** Per class: the labelled pixels of the images in which the class appears (Eigen & Fergus's denominator). */
  imagePixels: number[];
}

/** What <run>/class-weights.json holds. */
export interface ClassWeightsRecord {
  /** The formula, or 'explicit' for weights given in the config. */
  formula: string;
  maxWeight: number | null;
  classes: string[];
  weights: number[];
  /** The counts the weights came from (null for explicit weights). */
  histogram: ClassHistogram | null;
}

/** Adds one label's counts (HW label-space indices, IGNORE_INDEX skipped) to `h`. */
export function addLabel(h: ClassHistogram, label: Uint8Array): void {
  const n = h.pixels.length;
  const counts = new Float64Array(256);
  for (let i = 0; i < label.length; i++) counts[label[i]!]!++;
  let labelled = 0;
  for (let c = 0; c < 256; c++) {
    if (c === IGNORE_INDEX || counts[c] === 0) continue;
    if (c >= n) throw new Error(`label value ${c} is outside the ${n} classes of model.numClasses`);
    labelled += counts[c]!;
    h.pixels[c]! += counts[c]!;
  }
  for (let c = 0; c < n; c++) if (counts[c]! > 0) h.imagePixels[c]! += labelled;
}

/** An empty histogram over `numClasses` classes. */
export function emptyHistogram(numClasses: number): ClassHistogram {
  return { pixels: new Array<number>(numClasses).fill(0), imagePixels: new Array<number>(numClasses).fill(0) };
}

/** numpy's median (the mean of the two middle values of an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Eigen & Fergus's median-frequency balancing; absent classes 0. */
export function medianFrequencyWeights(h: ClassHistogram): number[] {
  const freq = h.pixels.map((p, c) => (p > 0 ? p / h.imagePixels[c]! : 0));
  const present = freq.filter((f) => f > 0);
  if (present.length === 0) return freq;
  const med = median(present);
  return freq.map((f) => (f > 0 ? med / f : 0));
}

/** ENet's 1 / ln(1.02 + p_c); absent classes 0. */
export function inverseLogWeights(h: ClassHistogram): number[] {
  const total = h.pixels.reduce((a, b) => a + b, 0);
  return h.pixels.map((p) => (p > 0 ? 1 / Math.log(1.02 + p / total) : 0));
}

/** The weights `formula` gives for `h`, clamped to maxWeight when given. */
export function classWeightsOf(formula: 'median-frequency' | 'inverse-log', h: ClassHistogram, maxWeight?: number): number[] {
  const w = formula === 'median-frequency' ? medianFrequencyWeights(h) : inverseLogWeights(h);
  return maxWeight === undefined ? w : w.map((x) => Math.min(x, maxWeight));
}

/** Counts the class pixels of every label of `ds` (labels only, a few at a time); `log` gets a line every ~10 s. */
export async function countClassPixels(ds: Dataset, numClasses: number, log: (m: string) => void = () => {}): Promise<ClassHistogram> {
  const h = emptyHistogram(numClasses);
  const read = (i: number) => (ds.loadLabel ? ds.loadLabel(i) : ds.load(i).then((s) => s.label));
  const start = performance.now();
  let lastLog = start;
  let next = 0;
  let done = 0;
  // PNG decoding runs on libuv's threads: a few reads in flight keep them busy
  const worker = async () => {
    while (next < ds.length) {
      const label = await read(next++);
      addLabel(h, label);
      done++;
      const now = performance.now();
      if (now - lastLog > 10_000) {
        lastLog = now;
        log(`train.loss.classWeights: counted ${done}/${ds.length} training labels (${((now - start) / 1000).toFixed(0)} s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, ds.length) }, worker));
  return h;
}

/** `classes` with their weights, for the start-of-run line. */
export function describeWeights(r: ClassWeightsRecord): string {
  const list = r.weights.map((w, c) => `${r.classes[c] ?? c} ${w.toFixed(3)}`).join(', ');
  const clamp = r.maxWeight === null ? '' : `, clamped at ${r.maxWeight}`;
  return `train.loss.classWeights ${r.formula}${clamp}: ${list}`;
}

/**
 * The run's class weights, or null for `none`: explicit ones as given; a formula's from the recorded file on a
 * resume (recomputed from its recorded counts when the formula or clamp changed), else counted over `trainSet`.
 * Rank 0 (`write`) records them in `file`.
 */
export async function resolveClassWeights(o: {
  loss: LossConfig;
  trainSet: Dataset;
  numClasses: number;
  file: string;
  resume: boolean;
  write: boolean;
  log: (m: string) => void;
}): Promise<ClassWeightsRecord | null> {
  const { classWeights: spec, maxWeight } = o.loss;
  if (spec === 'none') return null;
  const classes = [...o.trainSet.labelSpace.classes];
  let record: ClassWeightsRecord;
  if (Array.isArray(spec)) {
    record = { formula: 'explicit', maxWeight: null, classes, weights: [...spec], histogram: null };
  } else {
    const before = o.resume && fs.existsSync(o.file) ? (JSON.parse(fs.readFileSync(o.file, 'utf8')) as ClassWeightsRecord) : null;
    const histogram = before?.histogram ?? (await countClassPixels(o.trainSet, o.numClasses, o.log));
    const same = before !== null && before.formula === spec && before.maxWeight === (maxWeight ?? null);
    const weights = same ? before.weights : classWeightsOf(spec, histogram, maxWeight);
    record = { formula: spec, maxWeight: maxWeight ?? null, classes, weights, histogram };
    if (before) o.log(`train.loss.classWeights: ${same ? 'read back from' : 'recomputed from the counts in'} ${o.file}`);
  }
  if (o.write) writeJson(o.file, record);
  o.log(describeWeights(record));
  return record;
}
