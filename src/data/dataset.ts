// What every dataset layout provides, and the shared machinery: loading a pair, checking sizes,
// frame-range filters, empty-split errors, the recorded file list.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { UnknownPolicy } from './color-table.js';
import { DataError } from './errors.js';
import { type Raster, readRgb } from './image-io.js';
import { getLabelSpace, type LabelSpace } from './label-spaces.js';
import type { DataConfig } from './schema.js';

/** A loaded sample: HWC uint8 RGB image and HW uint8 label (label-space indices, 255 = ignore). */
export interface Sample {
  image: Buffer;
  label: Buffer;
  height: number;
  width: number;
  id: string;
}

/** Where one sample lives (absolute paths). */
export interface SampleRef {
  id: string;
  image: string;
  label: string;
}

/** The dataset layouts shapeseg reads (one per data config schema in schema.ts). */
export type Layout = DataConfig['layout'];

/** A list of samples that can be loaded by index. */
export interface Dataset {
  readonly layout: Layout;
  readonly root: string;
  readonly labelSpace: LabelSpace;
  readonly length: number;
  /** Every sample of the split, in a fixed (sorted) order. */
  list(): readonly SampleRef[];
  /** Decodes sample `i`. */
  load(i: number): Promise<Sample>;
  /** The split's files relative to root, one `image<TAB>label` line per sample (runs record this). */
  fileList(): string[];
  /** Decodes only sample `i`'s label (label-space indices, 255 = ignore; no image read): for class statistics. */
  loadLabel?(i: number): Promise<Buffer>;
}

/** A frame range [start, end) with a stride, on the frame number written in the file name. */
export interface FrameRange {
  start?: number;
  end?: number;
  step?: number;
}

/** Whether frame number `f` lies in `r` (undefined = every frame). */
export function inFrameRange(f: number, r: FrameRange | undefined): boolean {
  if (!r) return true;
  const start = r.start ?? 0;
  const step = r.step ?? 1;
  return f >= start && (r.end === undefined || f < r.end) && (f - start) % step === 0;
}

/** Describes a frame range for messages. */
export function describeFrames(r: FrameRange | undefined): string {
  return r ? `frames ${r.start ?? 0}..${r.end ?? 'end'} step ${r.step ?? 1}` : 'all frames';
}

/** Sorted names of the subdirectories of `dir`; a missing directory is named in the error. */
export async function subdirs(dir: string, what: string): Promise<string[]> {
  return (await readdirNamed(dir, what))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Sorted file names in `dir` matching `re`. */
export async function filesMatching(dir: string, re: RegExp, what: string): Promise<string[]> {
  return (await readdirNamed(dir, what))
    .filter((d) => d.isFile() && re.test(d.name))
    .map((d) => d.name)
    .sort();
}

async function readdirNamed(dir: string, what: string) {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `${what} directory missing: ${dir}` : `cannot list ${what} directory ${dir}: ${(e as Error).message}`);
  }
}

/**
 * Keeps the names in `wanted` (or all of `available` when undefined); a wanted name that does not exist
 * is an error naming what exists.
 */
export function pick(available: readonly string[], wanted: readonly string[] | undefined, what: string, where: string): string[] {
  if (!wanted) return [...available];
  const missing = wanted.filter((w) => !available.includes(w));
  if (missing.length > 0) {
    throw new DataError(`${what} ${missing.join(', ')} not found under ${where}; available: ${available.join(', ') || '(none)'}`);
  }
  return [...wanted];
}

/** Throws a DataError listing label files that do not exist for existing images (first few named). */
export function reportMissingLabels(missing: readonly SampleRef[]): void {
  if (missing.length === 0) return;
  const shown = missing.slice(0, 3).map((r) => `${r.label} (for image ${r.image})`);
  const more = missing.length > 3 ? ` and ${missing.length - 3} more` : '';
  throw new DataError(`label file missing: ${shown.join('; ')}${more}`);
}

/** Images and labels matched by name (absolute paths): the pairs, images without a label, labels without an image. */
export interface Pairing {
  refs: SampleRef[];
  noLabel: string[];
  noImage: string[];
}

/** File names listed in `dir`, each `<stem><suffix>`. */
export interface NamedFiles {
  dir: string;
  names: readonly string[];
  suffix: string;
}

/** Pairs image `<stem><images.suffix>` with label `<stem><labels.suffix>`; the sample id is the stem. */
export function pairByStem(images: NamedFiles, labels: NamedFiles): Pairing {
  const unused = new Set(labels.names);
  const refs: SampleRef[] = [];
  const noLabel: string[] = [];
  for (const f of images.names) {
    const stem = f.slice(0, f.length - images.suffix.length);
    const label = `${stem}${labels.suffix}`;
    if (unused.delete(label)) refs.push({ id: stem, image: path.join(images.dir, f), label: path.join(labels.dir, label) });
    else noLabel.push(path.join(images.dir, f));
  }
  return { refs, noLabel, noImage: [...unused].map((l) => path.join(labels.dir, l)) };
}

/** Throws a DataError naming the first few unpaired images and labels of `p` (nothing when all pair up); `hint` ends it. */
export function reportUnpaired(p: Pairing, what: string, expect: { label: string; image: string }, hint = ''): void {
  if (p.noLabel.length + p.noImage.length === 0) return;
  const name = (files: string[], kind: string): string[] =>
    files.length === 0 ? [] : [`${kind}: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}`];
  const parts = [...name(p.noLabel, `image without a label ${expect.label}`), ...name(p.noImage, `label without an image ${expect.image}`)];
  throw new DataError(`${what} images and labels do not pair up: ${parts.join('; ')}${hint ? `. ${hint}` : ''}`);
}

/** Throws the empty-split error: which filters matched nothing, under which root. */
export function emptySplit(layout: Layout, root: string, filters: string): never {
  throw new DataError(`empty ${layout} split under ${root}: ${filters} matched no samples`);
}

/** The error text for a label of another size than its image, naming both files and sizes. */
export function sizeMismatchMessage(ref: SampleRef, label: { width: number; height: number }, width: number, height: number): string {
  return `label size ${label.width}x${label.height} (${ref.label}) differs from image size ${width}x${height} (${ref.image})`;
}

/** Shared load/fileList for datasets whose samples are image/label file pairs. */
export abstract class PairDataset implements Dataset {
  abstract readonly layout: Layout;

  protected constructor(
    readonly root: string,
    readonly labelSpace: LabelSpace,
    protected readonly refs: readonly SampleRef[],
    protected readonly unknown: UnknownPolicy,
  ) {}

  get length(): number {
    return this.refs.length;
  }

  list(): readonly SampleRef[] {
    return this.refs;
  }

  fileList(): string[] {
    return this.refs.map((r) => `${path.relative(this.root, r.image)}\t${path.relative(this.root, r.label)}`);
  }

  async load(i: number): Promise<Sample> {
    const ref = this.refs[i];
    if (!Number.isInteger(i) || !ref) throw new RangeError(`${this.layout} sample index ${i} out of range [0, ${this.refs.length})`);
    // Both are read at once, but when both fail the image's error is the one reported, whichever failed first.
    const [imageRead, labelRead] = await Promise.allSettled([readRgb(ref.image, 'image'), this.readLabel(ref)]);
    if (imageRead.status === 'rejected') throw imageRead.reason;
    if (labelRead.status === 'rejected') throw labelRead.reason;
    const image = imageRead.value;
    const read = labelRead.value;
    const raw = image.width === read.width && image.height === read.height ? read : this.fitLabel(ref, read, image.width, image.height);
    return { image: image.data, label: this.decodeLabel(ref, raw), height: image.height, width: image.width, id: ref.id };
  }

  /** The label alone at its own size: a label a layout fits to its image (fitLabel) is not resized here. */
  async loadLabel(i: number): Promise<Buffer> {
    const ref = this.refs[i];
    if (!Number.isInteger(i) || !ref) throw new RangeError(`${this.layout} sample index ${i} out of range [0, ${this.refs.length})`);
    return this.decodeLabel(ref, await this.readLabel(ref));
  }

  /** A label whose size differs from its image's: refused naming both files (a layout with a documented quirk may fit it). */
  protected fitLabel(ref: SampleRef, raw: Raster, width: number, height: number): Raster {
    throw new DataError(sizeMismatchMessage(ref, raw, width, height));
  }

  /** Reads the label file undecoded. */
  protected abstract readLabel(ref: SampleRef): Promise<Raster>;
  /** Turns the raw label raster into label-space indices. */
  protected abstract decodeLabel(ref: SampleRef, raw: Raster): Buffer;
}

/** A PairDataset whose label values map through a lookup table of native ids into the label space. */
export abstract class LutPairDataset extends PairDataset {
  protected constructor(
    root: string,
    labelSpace: string,
    refs: readonly SampleRef[],
    unknown: UnknownPolicy,
    protected readonly lut: Uint16Array,
  ) {
    super(root, getLabelSpace(labelSpace), refs, unknown);
  }
}
