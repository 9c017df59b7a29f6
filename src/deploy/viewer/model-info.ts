// What the viewer page needs to know about an exported .onnx model (classes, colours, normalisation), read in Node
// when the page is built so the browser never parses ONNX metadata. Stop-gap reader of the exporter's
// metadata_props: to be replaced by src/deploy/onnx's readOnnxModelInfo (only readOnnxMetadata below changes).
import * as fs from 'node:fs';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';
import { getLabelSpace } from '../../data/label-spaces.js';
import type { ModelInfo } from '../backend.js';

const { onnx } = onnxProto;

// ImageNet statistics (src/data/normalize.ts; not imported from there, which would load the libtorch addon)
const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** A model as the viewer page gets it (model-info.json): ModelInfo plus its display name and number of classes. */
export interface ViewerModelInfo extends ModelInfo {
  /** Display name (the metadata's model name, else the file name). */
  name: string;
  /** Output channels, = classNames.length. */
  numClasses: number;
}

/** The metadata_props of an ONNX file as a key → value map, and the fixed size of its output's channel axis if any. */
export function readOnnxMetadata(file: string): { props: Map<string, string>; outputChannels: number | null } {
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  const props = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const dim = model.graph?.output?.[0]?.type?.tensorType?.shape?.dim?.[1]?.dimValue;
  const channels = dim === undefined || dim === null ? null : Number(dim);
  return { props, outputChannels: channels !== null && channels > 0 ? channels : null };
}

function jsonProp<T>(file: string, props: Map<string, string>, key: string, valid: (v: unknown) => v is T): T | undefined {
  const raw = props.get(key);
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${file}: metadata "${key}" is not JSON (${(e as Error).message})`);
  }
  if (!valid(v)) throw new Error(`${file}: metadata "${key}" has an unexpected value ${raw.slice(0, 80)}`);
  return v;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isTriple = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number');
const isColours = (v: unknown): v is [number, number, number][] =>
  Array.isArray(v) && v.every((c) => isTriple(c) && c.every((x) => Number.isInteger(x) && x >= 0 && x <= 255));

/**
 * The viewer's info for one .onnx file: from its metadata_props (model, labelSpace, classNames, colors, mean, std,
 * outputStride), with `labels` (a label space name) supplying class names and colours when the file has none.
 */
export function readModelInfo(file: string, labels?: string): ViewerModelInfo {
  const { props, outputChannels } = readOnnxMetadata(file);
  const labelSpace = props.get('labelSpace') ?? labels ?? null;
  // a label space the file names supplies colours for bare class names; --labels only fills what the file lacks
  const space = () => (labelSpace !== null ? getLabelSpace(labelSpace) : null);
  const classNames = jsonProp(file, props, 'classNames', isStrings) ?? space()?.classes.slice();
  if (!classNames) {
    throw new Error(`${file}: no class names in its metadata; give --labels <label space> (e.g. --labels cityscapes19)`);
  }
  const colors = jsonProp(file, props, 'colors', isColours) ?? space()?.colors.map((c): [number, number, number] => [c[0], c[1], c[2]]);
  if (!colors || colors.length !== classNames.length) {
    throw new Error(`${file}: ${classNames.length} class names but ${colors?.length ?? 'no'} colours (metadata "colors" or --labels)`);
  }
  if (outputChannels !== null && outputChannels !== classNames.length) {
    throw new Error(`${file}: the model outputs ${outputChannels} channels but ${classNames.length} class names are given`);
  }
  const stride = Number(props.get('outputStride'));
  return {
    name: props.get('model') ?? path.basename(file, '.onnx'),
    labelSpace,
    classNames,
    colors,
    numClasses: classNames.length,
    mean: jsonProp(file, props, 'mean', isTriple) ?? IMAGENET_MEAN,
    std: jsonProp(file, props, 'std', isTriple) ?? IMAGENET_STD,
    // 0: not recorded (the page only displays it)
    outputStride: Number.isInteger(stride) && stride > 0 ? stride : 0,
  };
}
