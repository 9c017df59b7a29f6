// `shapeseg export`: a bare model file from any checkpoint shapeseg reads (a training checkpoint, a
// model file, a torchvision .pth), with torchvision's keys, so PyTorch loads it as it is:
//   torchvision.models.segmentation.deeplabv3_resnet101(num_classes=N, aux_loss=...).load_state_dict(torch.load(f))
// or an ONNX graph of the model's inference (docs/deploy.md), with its classes and normalisation in the metadata.
// A run trained with augment.auxBatchNorm exports its main BatchNorm (the default) or, with --bn aux, its auxiliary
// one under the same keys: either is a plain torchvision model.
import * as path from 'node:path';
import type { Command } from 'commander';

interface ExportFlags {
  checkpoint: string;
  out: string;
  bn: string;
  format?: string;
  opset?: string;
  outputStride?: string;
  dynamicSize?: boolean;
  size?: string;
  foldBatchnorm: boolean;
  labelSpace?: string;
}

const FORMATS = ['pth', 'safetensors', 'onnx'] as const;
type Format = (typeof FORMATS)[number];
const FORMAT_OF_EXT: Record<string, Format> = { '.pth': 'pth', '.pt': 'pth', '.safetensors': 'safetensors', '.onnx': 'onnx' };

/** --format, or the format the --out extension names. */
function resolveFormat(flags: ExportFlags): Format {
  if (flags.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flags.format)) throw new Error(`--format ${flags.format}: expected one of ${FORMATS.join(', ')}`);
    return flags.format as Format;
  }
  const format = FORMAT_OF_EXT[path.extname(flags.out).toLowerCase()];
  if (format === undefined) throw new Error(`--out ${flags.out}: expected a .pth, .safetensors or .onnx file name (or pass --format)`);
  return format;
}

/** Flags that only the ONNX format reads. */
const ONNX_ONLY = [
  ['opset', '--opset'],
  ['outputStride', '--output-stride'],
  ['dynamicSize', '--dynamic-size'],
  ['size', '--size'],
  ['labelSpace', '--label-space'],
] as const;

/** Registers `shapeseg export`. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description("write a model-only checkpoint with torchvision's keys (.pth for torch.load, or .safetensors) or an ONNX graph (.onnx)")
    .requiredOption('-c, --checkpoint <file>', 'a shapeseg training checkpoint, model file or torchvision .pth')
    .requiredOption('-o, --out <file>', 'output: *.pth (torch.save format), *.safetensors (with model/label-space metadata) or *.onnx')
    .option('--format <pth|safetensors|onnx>', 'output format (default: from the --out extension)')
    .option('--bn <main|aux>', "BatchNorm to export under the BatchNorm keys: the model's own, or the auxiliary one (augment.auxBatchNorm)", 'main')
    .option('--opset <n>', 'onnx: ai.onnx opset version, 17 to 21 (default 17)')
    .option('--output-stride <8|16>', 'onnx: output stride to export at (default: the one it was trained at, else 16)')
    .option('--dynamic-size', 'onnx: symbolic batch, height and width, any input size (the default)')
    .option('--size <HxW>', 'onnx: fix the input height and width instead (the batch stays symbolic)')
    .option('--no-fold-batchnorm', 'onnx: emit BatchNormalization nodes instead of folding each BatchNorm into its convolution')
    .option('--label-space <name>', "onnx: label space of the classes, for a checkpoint that does not record one (torchvision's)")
    .action(async (flags: ExportFlags) => {
      const { parseBatchNorm } = await import('../eval/setup.js');
      const batchNorm = parseBatchNorm(flags.bn);
      const format = resolveFormat(flags);
      if (format === 'onnx') return exportOnnxFile(flags, batchNorm);
      const given: string[] = ONNX_ONLY.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
      if (!flags.foldBatchnorm) given.push('--no-fold-batchnorm');
      if (given.length > 0) throw new Error(`${given.join(', ')}: only with --format onnx (writing ${format})`);
      const { inspectModelCheckpoint } = await import('../eval/load-model.js');
      const { writePth, writeSafetensors } = await import('../io/index.js');
      const { batchNormVariant } = await import('../nn/index.js');
      const inspected = inspectModelCheckpoint(flags.checkpoint);
      const { info } = inspected;
      const stateDict = batchNormVariant(inspected.stateDict, batchNorm, flags.checkpoint);
      if (format === 'pth') {
        writePth(flags.out, stateDict);
      } else {
        const metadata: Record<string, string> = { model: info.name, numClasses: String(info.numClasses) };
        if (info.labelSpace !== null) metadata.labelSpace = info.labelSpace;
        if (info.trainedOutputStride !== null) metadata.outputStride = String(info.trainedOutputStride);
        if (info.auxBatchNorm) metadata.batchNorm = batchNorm;
        writeSafetensors(flags.out, stateDict, metadata);
      }
      process.stderr.write(
        `wrote ${flags.out}: ${info.name}, ${info.numClasses} classes${info.auxLoss ? ', aux head' : ''}${batchNorm === 'aux' ? ', auxiliary BatchNorm' : ''}, ${stateDict.size} tensors` +
          `${info.labelSpace ? `, label space ${info.labelSpace}` : ''}\n`,
      );
    });
}

/** `--size 188x621` → [188, 621]. */
function parseSize(text: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--size: expected HEIGHTxWIDTH, e.g. 188x621, got "${text}"`);
  return [Number(m[1]), Number(m[2])];
}

/** `--opset N`, N from MIN_OPSET to MAX_OPSET. */
function parseOpset(text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--opset ${text}: expected an integer from ${min} to ${max}`);
  return n;
}

/** `--output-stride 8|16`. */
function parseOutputStrideFlag(text: string): 8 | 16 {
  if (text !== '8' && text !== '16') throw new Error(`--output-stride ${text}: expected 8 or 16`);
  return Number(text) as 8 | 16;
}

/** The ONNX branch of `shapeseg export`. */
async function exportOnnxFile(flags: ExportFlags, batchNorm: 'main' | 'aux'): Promise<void> {
  const { exportCheckpointToOnnx, MAX_OPSET, MIN_OPSET } = await import('../deploy/onnx/index.js');
  if (flags.size !== undefined && flags.dynamicSize) throw new Error('--size and --dynamic-size: pass one of them');
  const { info, bytes } = await exportCheckpointToOnnx(flags.checkpoint, flags.out, {
    opset: flags.opset === undefined ? MIN_OPSET : parseOpset(flags.opset, MIN_OPSET, MAX_OPSET),
    size: flags.size === undefined ? null : parseSize(flags.size),
    foldBatchNorm: flags.foldBatchnorm,
    batchNorm,
    ...(flags.outputStride !== undefined ? { outputStride: parseOutputStrideFlag(flags.outputStride) } : {}),
    ...(flags.labelSpace !== undefined ? { labelSpace: flags.labelSpace } : {}),
  });
  const size = flags.size === undefined ? 'any input size' : `input ${flags.size}`;
  process.stderr.write(
    `wrote ${flags.out}: ${info.model} (ONNX, ${(bytes / 2 ** 20).toFixed(1)} MiB), ${info.numClasses} classes, label space ${info.labelSpace}, ` +
      `output stride ${info.outputStride}, ${size}${flags.foldBatchnorm ? ', BatchNorm folded' : ''}${batchNorm === 'aux' ? ', auxiliary BatchNorm' : ''}\n`,
  );
}
