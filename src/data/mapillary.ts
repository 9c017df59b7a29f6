// Mapillary Vistas, v1.2 labels: <split>/images/<key>.jpg with <split>/labels/<key>.png (v1.x releases) or
// <split>/v1.2/labels/<key>.png (2.0 release); labels are 8-bit palette PNGs whose index is the position in the
// `labels` list of config.json (v1.x) / config_v1.2.json (2.0), mapped to the 19 Cityscapes classes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UnknownPolicy } from './color-table.js';
import { emptySplit, filesMatching, pairByStem, reportUnpaired } from './dataset.js';
import { DataError } from './errors.js';
import { MAPILLARY_TO_CITYSCAPES, MAPILLARY_V12_LABELS } from './mapillary-classes.js';
import { cityscapesNamedLut, IdLabelDataset } from './name-lut.js';
import type { MapillaryConfig } from './schema.js';

/** Which Mapillary Vistas images to use. */
export interface MapillaryOptions {
  /** The extracted release: holds `<split>/` and the config file. */
  root: string;
  /** The publisher's split folder: training, validation or testing (which has no public labels: refused). */
  split: MapillaryConfig['split'];
  labelSpace: string;
  unknownColor?: UnknownPolicy;
}

/** The config files that define the v1.2 label ids, the 2.0 release's first. */
const CONFIG_FILES = ['config_v1.2.json', 'config.json'];

/** Reads the label list of the release's config and checks it is v1.2's (66 labels, in the published order). */
function checkConfig(root: string): void {
  const file = CONFIG_FILES.map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  if (!file) {
    throw new DataError(
      `Mapillary Vistas config missing under ${root}: expected ${CONFIG_FILES.join(' (2.0 release) or ')} (v1.x), whose labels list defines the label ids`,
    );
  }
  let labels: unknown;
  try {
    labels = (JSON.parse(fs.readFileSync(file, 'utf8')) as { labels?: unknown }).labels;
  } catch (e) {
    throw new DataError(`${file}: not readable JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(labels)) throw new DataError(`${file}: expected an object with a "labels" list`);
  const names = labels.map((l: unknown) => (l && typeof l === 'object' ? (l as { name?: unknown }).name : undefined));
  const bad = MAPILLARY_V12_LABELS.findIndex((n, i) => names[i] !== n);
  if (bad >= 0 || names.length !== MAPILLARY_V12_LABELS.length) {
    const at = bad >= 0 ? bad : MAPILLARY_V12_LABELS.length;
    throw new DataError(
      `${file}: not the v1.2 label list (${MAPILLARY_V12_LABELS.length} labels): label ${at} is ${JSON.stringify(names[at] ?? null)}, ` +
        `expected ${JSON.stringify(MAPILLARY_V12_LABELS[at] ?? '(end of list)')} (${names.length} labels in the file; shapeseg reads v1.2 labels only)`,
    );
  }
}

/** Mapillary Vistas (v1.2 labels), training or validation split (testing has no public labels). */
export class MapillaryDataset extends IdLabelDataset {
  readonly layout = 'mapillary';

  /** Lists the split (directory listings and the config only) and checks every image has a label. */
  static async open(opts: MapillaryOptions): Promise<MapillaryDataset> {
    const root = path.resolve(opts.root);
    const names = MAPILLARY_V12_LABELS.map((n) => MAPILLARY_TO_CITYSCAPES[n] ?? null);
    const lut = cityscapesNamedLut(opts.labelSpace, names, 'Mapillary Vistas');
    if (opts.split === 'testing') {
      throw new DataError(
        `Mapillary Vistas split testing under ${root} has no public labels (the publisher scores it on its server), so it cannot be ` +
          'evaluated or trained on; use split: validation',
      );
    }
    checkConfig(root);
    const splitDir = path.join(root, opts.split);
    const images = await filesMatching(path.join(splitDir, 'images'), /\.jpg$/, `Mapillary Vistas ${opts.split} image`);
    const v12 = path.join(splitDir, 'v1.2', 'labels');
    const labelDir = fs.existsSync(v12) ? v12 : path.join(splitDir, 'labels');
    const labels = await filesMatching(labelDir, /\.png$/, `Mapillary Vistas ${opts.split} label directory: no ${v12} (2.0 release), and the v1.x`);
    const pairs = pairByStem({ dir: path.join(splitDir, 'images'), names: images, suffix: '.jpg' }, { dir: labelDir, names: labels, suffix: '.png' });
    reportUnpaired(pairs, `Mapillary Vistas ${opts.split}`, {
      label: path.join(labelDir, '<key>.png'),
      image: path.join(splitDir, 'images', '<key>.jpg'),
    });
    if (pairs.refs.length === 0) emptySplit('mapillary', root, `split ${opts.split}`);
    const validIds = `not a Mapillary Vistas v1.2 label id (0..${MAPILLARY_V12_LABELS.length - 1})`;
    return new MapillaryDataset(root, opts.labelSpace, pairs.refs, opts.unknownColor ?? 'error', lut, validIds);
  }
}
