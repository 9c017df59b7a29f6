// Label files whose ids stand for Cityscapes classes by name (BDD100K's train ids, Mapillary's mapped labels):
// a lookup table id -> class index of any label space made of Cityscapes classes, applying it per pixel, and the
// dataset base class of such readers.
import type { UnknownPolicy } from './color-table.js';
import { PairDataset, type SampleRef } from './dataset.js';
import { DataError } from './errors.js';
import type { Raster } from './image-io.js';
import { getLabelSpace, IGNORE_INDEX, LABEL_SPACE_NAMES, UNKNOWN_ID } from './label-spaces.js';
import { readPngIndices } from './png-index.js';

/** The label space whose class names every space fed by Cityscapes-named ids must draw from. */
export const CITYSCAPES_CLASSES_SPACE = 'cityscapes19';

/** Label spaces made only of Cityscapes classes (the ones a Cityscapes-named id can map into). */
export function cityscapesNamedSpaces(): string[] {
  const known = new Set(getLabelSpace(CITYSCAPES_CLASSES_SPACE).classes);
  return LABEL_SPACE_NAMES.filter((n) => getLabelSpace(n).classes.every((c) => known.has(c)));
}

/**
 * A 256-entry table id -> class index of `space`: id i stands for Cityscapes class `names[i]` (null = a class no
 * space keeps), mapped by name; a class the space lacks maps to IGNORE_INDEX; ids beyond `names` hold UNKNOWN_ID
 * unless `ignoreIds` lists them. A space with a class that is no Cityscapes class is refused naming the usable ones.
 */
export function cityscapesNamedLut(space: string, names: readonly (string | null)[], dataset: string, ignoreIds: readonly number[] = []): Uint16Array {
  const ls = getLabelSpace(space);
  const known = new Set(getLabelSpace(CITYSCAPES_CLASSES_SPACE).classes);
  const foreign = ls.classes.filter((c) => !known.has(c));
  if (foreign.length > 0) {
    throw new DataError(
      `label space ${JSON.stringify(space)} cannot be fed from ${dataset} labels (Cityscapes classes): it has classes ${foreign.join(', ')}; ` +
        `usable label spaces: ${cityscapesNamedSpaces().join(', ')}`,
    );
  }
  const lut = new Uint16Array(256).fill(UNKNOWN_ID);
  names.forEach((name, id) => {
    if (name !== null && !known.has(name))
      throw new Error(`${dataset} id ${id} maps to ${JSON.stringify(name)}, which is no ${CITYSCAPES_CLASSES_SPACE} class`);
    const k = name === null ? -1 : ls.classes.indexOf(name);
    lut[id] = k < 0 ? IGNORE_INDEX : k;
  });
  for (const id of ignoreIds) lut[id] = IGNORE_INDEX;
  return lut;
}

/**
 * Maps a single-channel raster of ids through `lut`; an id the table does not know is an error naming the file,
 * the pixel and the value (`expected` says what ids are valid), or IGNORE_INDEX under `unknown: 'ignore'`.
 */
export function mapIds(file: string, raw: Raster, lut: Uint16Array, unknown: UnknownPolicy, expected: string): Buffer {
  const { data, width } = raw;
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = lut[data[i]!]!;
    if (v !== UNKNOWN_ID) out[i] = v;
    else if (unknown === 'ignore') out[i] = IGNORE_INDEX;
    else {
      throw new DataError(
        `${file}: pixel (x=${i % width}, y=${Math.floor(i / width)}) has value ${data[i]}, ${expected} ` +
          `(set unknownColor: 'ignore' to map such pixels to ${IGNORE_INDEX})`,
      );
    }
  }
  return out;
}

/** Image/label pairs whose labels are 8-bit palette or grey PNGs of ids, mapped through a lookup table. */
export abstract class IdLabelDataset extends PairDataset {
  protected constructor(
    root: string,
    labelSpace: string,
    refs: readonly SampleRef[],
    unknown: UnknownPolicy,
    private readonly lut: Uint16Array,
    /** What a valid id is, for the unknown-id error. */
    private readonly validIds: string,
  ) {
    super(root, getLabelSpace(labelSpace), refs, unknown);
  }

  protected readLabel(ref: SampleRef): Promise<Raster> {
    return readPngIndices(ref.label, 'label');
  }

  protected decodeLabel(ref: SampleRef, raw: Raster): Buffer {
    return mapIds(ref.label, raw, this.lut, this.unknown, this.validIds);
  }
}
