// A checkpoint (anything readModelCheckpoint reads) → an .onnx file with its label space, normalisation and output
// stride in the metadata; what `shapeseg export --format onnx` runs.
import { IMAGENET_MEAN, IMAGENET_STD } from '../../data/imagenet-stats.js';
import { readModelCheckpoint } from '../../eval/load-model.js';
import { resolveLabelSpace } from '../../eval/setup.js';
import { writeFileAtomicAsync } from '../../io/atomic.js';
import type { OutputStride } from '../../models/index.js';
import type { BatchNormChoice } from '../../nn/index.js';
import { exportOnnx, type OnnxExportInfo, type OnnxExportOptions } from './export.js';

/** Options of exportCheckpointToOnnx(). */
export interface CheckpointOnnxOptions extends OnnxExportOptions {
  /** Label space of the classes; required when the checkpoint records none (a torchvision .pth). */
  labelSpace?: string;
  /** Output stride to export at (default: the one it was trained at, else 16). */
  outputStride?: OutputStride;
  /** Which BatchNorm of a model with auxiliary twins to export (default main). */
  batchNorm?: BatchNormChoice;
}

/** What was exported. */
export interface CheckpointOnnxSummary {
  info: OnnxExportInfo;
  bytes: number;
}

/** Exports `checkpoint`'s model (main path, eval mode) to the ONNX file `out`. */
export async function exportCheckpointToOnnx(checkpoint: string, out: string, opts: CheckpointOnnxOptions = {}): Promise<CheckpointOnnxSummary> {
  const { labelSpace, outputStride, batchNorm = 'main', ...exportOptions } = opts;
  const { model, info } = readModelCheckpoint(checkpoint, { outputStride, batchNorm, channelsLast: false });
  try {
    const space = resolveLabelSpace(labelSpace, info);
    const meta: OnnxExportInfo = {
      model: info.name,
      numClasses: info.numClasses,
      labelSpace: space.name,
      classNames: [...space.classes],
      colors: space.colors.map((c) => [c[0], c[1], c[2]]),
      mean: [...IMAGENET_MEAN],
      std: [...IMAGENET_STD],
      outputStride: model.outputStride,
      batchNorm,
    };
    const bytes = exportOnnx(model, meta, exportOptions);
    await writeFileAtomicAsync(out, bytes);
    return { info: meta, bytes: bytes.length };
  } finally {
    model.dispose();
  }
}
