// `shapeseg export`: a bare model file from any checkpoint shapeseg reads (a training checkpoint, a
// model file, a torchvision .pth), with torchvision's keys, so PyTorch loads it as it is:
//   torchvision.models.segmentation.deeplabv3_resnet101(num_classes=N, aux_loss=...).load_state_dict(torch.load(f))
// A run trained with augment.auxBatchNorm exports its main BatchNorm (the default) or, with --bn aux, its auxiliary
// one under the same keys: either is a plain torchvision model.
import * as path from 'node:path';
import type { Command } from 'commander';

interface ExportFlags {
  checkpoint: string;
  out: string;
  bn: string;
}

/** Registers `shapeseg export`. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description("write a model-only checkpoint with torchvision's keys (.pth for torch.load, or .safetensors)")
    .requiredOption('-c, --checkpoint <file>', 'a shapeseg training checkpoint, model file or torchvision .pth')
    .requiredOption('-o, --out <file>', 'output: *.pth (torch.save format) or *.safetensors (with model/label-space metadata)')
    .option('--bn <main|aux>', "BatchNorm to export under the BatchNorm keys: the model's own, or the auxiliary one (augment.auxBatchNorm)", 'main')
    .action(async (flags: ExportFlags) => {
      const { inspectModelCheckpoint } = await import('../eval/load-model.js');
      const { writePth, writeSafetensors } = await import('../io/index.js');
      const { parseBatchNorm } = await import('../eval/setup.js');
      const { batchNormVariant } = await import('../nn/index.js');
      const batchNorm = parseBatchNorm(flags.bn);
      const inspected = inspectModelCheckpoint(flags.checkpoint);
      const { info } = inspected;
      const stateDict = batchNormVariant(inspected.stateDict, batchNorm, flags.checkpoint);
      const ext = path.extname(flags.out).toLowerCase();
      if (ext === '.pth' || ext === '.pt') {
        writePth(flags.out, stateDict);
      } else if (ext === '.safetensors') {
        const metadata: Record<string, string> = { model: info.name, numClasses: String(info.numClasses) };
        if (info.labelSpace !== null) metadata.labelSpace = info.labelSpace;
        if (info.trainedOutputStride !== null) metadata.outputStride = String(info.trainedOutputStride);
        if (info.auxBatchNorm) metadata.batchNorm = batchNorm;
        writeSafetensors(flags.out, stateDict, metadata);
      } else {
        throw new Error(`--out ${flags.out}: expected a .pth or .safetensors file name`);
      }
      process.stderr.write(
        `wrote ${flags.out}: ${info.name}, ${info.numClasses} classes${info.auxLoss ? ', aux head' : ''}${batchNorm === 'aux' ? ', auxiliary BatchNorm' : ''}, ${stateDict.size} tensors` +
          `${info.labelSpace ? `, label space ${info.labelSpace}` : ''}\n`,
      );
    });
}
