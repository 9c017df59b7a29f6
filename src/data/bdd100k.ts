// BDD100K semantic segmentation ("10K Images"): images/10k/<split>/<name>.jpg with
// labels/sem_seg/masks/<split>/<name>.png (2021 release), or the 2018 bdd100k_seg.zip tree
// seg/images/<split>/<name>.jpg with seg/labels/<split>/<name>_train_id.png. Labels are 8-bit Cityscapes train ids.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UnknownPolicy } from './color-table.js';
import { emptySplit, filesMatching, pairByStem, reportUnpaired } from './dataset.js';
import { DataError } from './errors.js';
import { getLabelSpace, IGNORE_INDEX } from './label-spaces.js';
import { CITYSCAPES_CLASSES_SPACE, cityscapesNamedLut, IdLabelDataset } from './name-lut.js';
import type { Bdd100kConfig } from './schema.js';

/** Which BDD100K images to use. */
export interface Bdd100kOptions {
  /** The `bdd100k/` directory (holding `images/` and `labels/`, or `seg/`), or `bdd100k/seg/` itself. */
  root: string;
  /** train, val or test (which has no public labels: refused). */
  split: Bdd100kConfig['split'];
  labelSpace: string;
  unknownColor?: UnknownPolicy;
  /** 'skip' drops unpaired files (the pre-June-2021 image zip had six of each, bdd100k/bdd100k#103). */
  unpaired?: Bdd100kConfig['unpaired'];
}

interface Tree {
  release: 'sem_seg' | 'seg';
  imageDir: string;
  labelDir: string;
  /** Label file name suffix after the image stem. */
  labelSuffix: string;
}

/** Finds which of the published trees `root` holds. */
function findTree(root: string, split: string): Tree {
  const isDir = (...p: string[]): boolean => fs.statSync(path.join(root, ...p), { throwIfNoEntry: false })?.isDirectory() ?? false;
  if (isDir('images', '10k')) {
    return {
      release: 'sem_seg',
      imageDir: path.join(root, 'images', '10k', split),
      labelDir: path.join(root, 'labels', 'sem_seg', 'masks', split),
      labelSuffix: '.png',
    };
  }
  const seg = isDir('seg', 'images') ? path.join(root, 'seg') : isDir('images', split) && isDir('labels') ? root : null;
  if (seg) return { release: 'seg', imageDir: path.join(seg, 'images', split), labelDir: path.join(seg, 'labels', split), labelSuffix: '_train_id.png' };
  throw new DataError(
    `no BDD100K semantic segmentation tree under ${root}: expected images/10k/${split}/ with labels/sem_seg/masks/${split}/ ` +
      `(2021 release) or seg/images/${split}/ with seg/labels/${split}/ (bdd100k_seg.zip)`,
  );
}

/** BDD100K semantic segmentation, train or val split (test has no public labels). */
export class Bdd100kDataset extends IdLabelDataset {
  readonly layout = 'bdd100k';

  /** Lists the split (directory listings only) and pairs every image with its label. */
  static async open(opts: Bdd100kOptions): Promise<Bdd100kDataset> {
    const root = path.resolve(opts.root);
    // the publisher's train ids 0..18 are the Cityscapes train ids (doc/source/format.rst), i.e. cityscapes19's classes
    const lut = cityscapesNamedLut(opts.labelSpace, getLabelSpace(CITYSCAPES_CLASSES_SPACE).classes, 'BDD100K', [IGNORE_INDEX]);
    if (opts.split === 'test') {
      throw new DataError(
        `BDD100K split test under ${root} has no public labels (the publisher scores it on its evaluation server), so it cannot be ` +
          'evaluated or trained on; use split: val',
      );
    }
    const tree = findTree(root, opts.split);
    const images = await filesMatching(tree.imageDir, /\.jpg$/, `BDD100K ${opts.split} image`);
    const labelRe = new RegExp(`${tree.labelSuffix.replace('.', '\\.')}$`);
    const labels = await filesMatching(tree.labelDir, labelRe, `BDD100K ${opts.split} label`);
    const pairs = pairByStem({ dir: tree.imageDir, names: images, suffix: '.jpg' }, { dir: tree.labelDir, names: labels, suffix: tree.labelSuffix });
    if ((opts.unpaired ?? 'error') === 'error') {
      reportUnpaired(
        pairs,
        `BDD100K ${opts.split}`,
        { label: path.join(tree.labelDir, `<name>${tree.labelSuffix}`), image: path.join(tree.imageDir, '<name>.jpg') },
        'The image zip before June 2021 had six of each (bdd100k/bdd100k#103): download the current one, or set unpaired: skip to leave them out',
      );
    }
    const refs = pairs.refs;
    if (refs.length === 0) emptySplit('bdd100k', root, `split ${opts.split} (${tree.release} layout, ${images.length} images)`);
    return new Bdd100kDataset(root, opts.labelSpace, refs, opts.unknownColor ?? 'error', lut, 'not a BDD100K train id (0..18, or 255 = ignore)');
  }
}
