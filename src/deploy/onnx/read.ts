// What an .onnx file says about its model, from its bytes alone (no Node imports: the browser viewer uses it).
// A shapeseg export carries everything in its metadata. A foreign file (torch.onnx.export of a torchvision model, say)
// carries none of it: its caller names the label space, and the input is taken to be ImageNet-normalised RGB, as every
// torchvision segmentation model expects.
import { getLabelSpace } from '../../data/label-spaces.js';
import type { ModelInfo } from '../backend.js';
import { modelInfo } from '../model-info.js';
import { isShapesegMetadata, type OnnxModelMetadata, parseMetadata } from './metadata.js';
import { type ModelProto, onnx } from './proto.js';

/** Options of readOnnxModelInfo(). */
export interface ReadOnnxInfoOptions {
  /** Named in errors (a file name or URL). */
  source?: string;
  /** For a file without shapeseg metadata: the label space of its output channels (required then). */
  labelSpace?: string;
  /** For a file without shapeseg metadata: its output stride (default 8, torchvision's segmentation models'). */
  outputStride?: number;
}

function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${source}: not an ONNX model (${(e as Error).message})`);
  }
}

/** The model's metadata_props as a plain map. */
function propsOf(model: ModelProto): Record<string, string> {
  return Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
}

/** The metadata_props of an ONNX model (empty when it has none). */
export function readOnnxMetadata(bytes: Uint8Array, source = 'ONNX model'): Record<string, string> {
  return propsOf(decodeModel(bytes, source));
}

/** A shapeseg export's full metadata (model name, class count, BatchNorm folding... besides ModelInfo). */
export function readOnnxExportMetadata(bytes: Uint8Array, source = 'ONNX model'): OnnxModelMetadata {
  const props = readOnnxMetadata(bytes, source);
  if (!isShapesegMetadata(props)) throw new Error(`${source}: has no shapeseg metadata (not written by \`shapeseg export --format onnx\`)`);
  return parseMetadata(props, source);
}

/** The static channel count of the model's first output (dim 1), or null when symbolic or absent. */
function outputChannels(model: ModelProto): number | null {
  const dim = model.graph?.output?.[0]?.type?.tensorType?.shape?.dim?.[1];
  const v = dim?.dimValue;
  return v === undefined || v === null ? null : Number(v);
}

/** An ONNX model's ModelInfo and its raw metadata_props, from one decode of its bytes. */
export interface OnnxModelDescription {
  info: ModelInfo;
  metadata: Record<string, string>;
}

/** readOnnxModelInfo() plus the metadata map it was read from (one decode, for callers that need both). */
export function describeOnnxModel(bytes: Uint8Array, opts: ReadOnnxInfoOptions = {}): OnnxModelDescription {
  const source = opts.source ?? 'ONNX model';
  const model = decodeModel(bytes, source);
  const metadata = propsOf(model);
  if (isShapesegMetadata(metadata)) {
    const m = parseMetadata(metadata, source);
    return { info: { labelSpace: m.labelSpace, classNames: m.classNames, colors: m.colors, mean: m.mean, std: m.std, outputStride: m.outputStride }, metadata };
  }
  if (opts.labelSpace === undefined) {
    throw new Error(`${source}: has no shapeseg metadata (not written by \`shapeseg export --format onnx\`): name its label space (labelSpace) to run it`);
  }
  const space = getLabelSpace(opts.labelSpace);
  const channels = outputChannels(model);
  if (channels !== null && channels !== space.numClasses) {
    throw new Error(`${source}: outputs ${channels} channels but label space ${space.name} has ${space.numClasses} classes`);
  }
  return { info: modelInfo(source, space.name, space.numClasses, opts.outputStride ?? 8), metadata };
}

/**
 * ModelInfo of an ONNX model: from its shapeseg metadata, or, for a foreign file, from `opts.labelSpace` (checked
 * against the output's channel count when static) with ImageNet normalisation. Errors name `opts.source`.
 */
export function readOnnxModelInfo(bytes: Uint8Array, opts: ReadOnnxInfoOptions = {}): ModelInfo {
  return describeOnnxModel(bytes, opts).info;
}
