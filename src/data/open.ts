// One entry point from a dataset config to a Dataset.
import { Bdd100kDataset } from './bdd100k.js';
import { CityscapesDataset } from './cityscapes.js';
import type { Dataset } from './dataset.js';
import { Gta5Dataset } from './gta5.js';
import { KittiDataset } from './kitti.js';
import { getLabelSpace, type LabelSpace } from './label-spaces.js';
import { MapillaryDataset } from './mapillary.js';
import type { DataConfig } from './schema.js';
import { SynthiaDataset } from './synthia.js';
import { VKitti1Dataset } from './vkitti1.js';
import { VKitti2Dataset } from './vkitti2.js';

/** Opens (lists and checks) the split a validated dataset config describes. */
export function openDataset(cfg: DataConfig): Promise<Dataset> {
  switch (cfg.layout) {
    case 'vkitti1':
      return VKitti1Dataset.open(cfg);
    case 'vkitti2':
      return VKitti2Dataset.open(cfg);
    case 'kitti':
      return KittiDataset.open(cfg);
    case 'bdd100k':
      return Bdd100kDataset.open(cfg);
    case 'mapillary':
      return MapillaryDataset.open(cfg);
    case 'cityscapes':
      return CityscapesDataset.open(cfg);
    case 'gta5':
      return Gta5Dataset.open(cfg);
    case 'synthia':
      return SynthiaDataset.open(cfg);
  }
}

/** The label space of a dataset config (model.numClasses = its numClasses). */
export function labelSpaceOf(cfg: Pick<DataConfig, 'labelSpace'>): LabelSpace {
  return getLabelSpace(cfg.labelSpace);
}
