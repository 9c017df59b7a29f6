// Cityscapes fine annotations: <root>/leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png with
// <root>/gtFine/<split>/<city>/<city>_<seq>_<frame>_gtFine_labelIds.png holding 8-bit Cityscapes label ids
// (cityscapesScripts' labels.py), mapped to the label space through labels.py's trainId column.
import * as path from 'node:path';
import type { UnknownPolicy } from './color-table.js';
import { emptySplit, filesMatching, LutPairDataset, pick, reportMissingLabels, type SampleRef, subdirs } from './dataset.js';
import { DataError } from './errors.js';
import { type Raster, readLabelIds } from './image-io.js';
import { cityscapesLut } from './label-spaces.js';
import { mapIds } from './name-lut.js';
import type { CityscapesConfig } from './schema.js';

/** Which Cityscapes images to use. */
export interface CityscapesOptions {
  /** The folder holding leftImg8bit/ and gtFine/. */
  root: string;
  labelSpace: string;
  /** train or val (test has no public labels: refused). */
  split: CityscapesConfig['split'];
  /** City directories of the split to keep (default all). */
  cities?: readonly string[];
  unknownColor?: UnknownPolicy;
}

const IMAGE = /^(.+)_leftImg8bit\.png$/;

/** Cityscapes gtFine, train or val split. */
export class CityscapesDataset extends LutPairDataset {
  readonly layout = 'cityscapes';

  /** Lists the split with directory listings only (no file is decoded) and checks every image has its label. */
  static async open(opts: CityscapesOptions): Promise<CityscapesDataset> {
    const root = path.resolve(opts.root);
    const lut = cityscapesLut(opts.labelSpace);
    if (opts.split === 'test') {
      throw new DataError(
        `Cityscapes split test under ${root} has no public labels (gtFine/test/ only marks the ego vehicle and the rectification ` +
          'border; the benchmark scores test predictions on its server), so it cannot be trained or evaluated on; use split: train or val',
      );
    }
    const imgRoot = path.join(root, 'leftImg8bit', opts.split);
    const labRoot = path.join(root, 'gtFine', opts.split);
    const cities = pick(await subdirs(imgRoot, 'Cityscapes leftImg8bit'), opts.cities, 'cities', imgRoot);
    const refs: SampleRef[] = [];
    const missing: SampleRef[] = [];
    for (const city of cities) {
      const imgDir = path.join(imgRoot, city);
      const labDir = path.join(labRoot, city);
      const images = await filesMatching(imgDir, IMAGE, 'Cityscapes leftImg8bit');
      if (images.length === 0) continue;
      const labels = new Set(await filesMatching(labDir, /_gtFine_labelIds\.png$/, 'Cityscapes gtFine'));
      for (const f of images) {
        const stem = IMAGE.exec(f)![1]!;
        const name = `${stem}_gtFine_labelIds.png`;
        const ref = { id: stem, image: path.join(imgDir, f), label: path.join(labDir, name) };
        (labels.has(name) ? refs : missing).push(ref);
      }
    }
    reportMissingLabels(missing);
    if (refs.length === 0) emptySplit('cityscapes', root, `split ${opts.split}, cities [${cities.join(', ')}]`);
    return new CityscapesDataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', lut);
  }

  protected readLabel(ref: SampleRef): Promise<Raster> {
    return readLabelIds(ref.label, 'label');
  }

  protected decodeLabel(ref: SampleRef, raw: Raster): Buffer {
    return mapIds(ref.label, raw, this.lut, this.unknown, 'not a Cityscapes label id (0..33)');
  }
}
