// STUB: placeholder so the Segmenter compiles; the real onnxruntime backend (another branch of issue 20) replaces
// this file at merge, with this same export.
import type { SegmentationBackend } from './backend.js';

/** The onnxruntime engine over an exported .onnx file (stub: not built yet). */
export async function createOnnxBackend(_file: string, _opts?: { threads?: number }): Promise<SegmentationBackend> {
  throw new Error('onnx backend not built yet');
}
