// What the viewer page needs to know about an .onnx model (classes, colours, normalisation), read in Node when the
// page is built so the browser never parses ONNX metadata: a shapeseg export's metadata, or, for a foreign file,
// the label space named with --labels (src/deploy/onnx/read.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelInfo } from '../backend.js';
import { describeOnnxModel } from '../onnx/read.js';

/** A model as the viewer page gets it (model-info.json): ModelInfo plus its display name and number of classes. */
export interface ViewerModelInfo extends ModelInfo {
  /** Display name (the metadata's model name, else the file name). */
  name: string;
  /** Output channels, = classNames.length. */
  numClasses: number;
}

/** The viewer's info for one .onnx file; `labels` (a label space name) labels a file without shapeseg metadata. */
export function readModelInfo(file: string, labels?: string): ViewerModelInfo {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const { info, metadata } = describeOnnxModel(bytes, { source: file, ...(labels !== undefined ? { labelSpace: labels } : {}) });
  return { name: metadata.model ?? path.basename(file, '.onnx'), ...info, numClasses: info.classNames.length };
}
