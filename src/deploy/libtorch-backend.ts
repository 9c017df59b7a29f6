// The libtorch engine: a shapeseg / torchvision checkpoint run by the addon, one tidy scope per call so device memory
// is freed as each batch's logits reach the host.
import { readModelCheckpoint } from '../eval/load-model.js';
import type { OutputStride } from '../models/index.js';
import type { BatchNormChoice } from '../nn/batchnorm-choice.js';
import { type Device, fromBuffer, noGrad, tidy } from '../tensor/index.js';
import type { HostTensor, SegmentationBackend } from './backend.js';
import { modelInfo } from './model-info.js';

/** Options of createLibtorchBackend(). */
export interface LibtorchBackendOptions {
  /** Where the model runs (default cpu). */
  device?: Device;
  /** Output stride (default: the one the checkpoint was trained at, else 16). */
  outputStride?: OutputStride;
  /** BatchNorm of a model with auxiliary twins (default main). */
  bn?: BatchNormChoice;
}

/** A SegmentationBackend over a shapeseg or torchvision DeepLabV3 checkpoint (eval mode, no grad). */
export function createLibtorchBackend(file: string, opts: LibtorchBackendOptions = {}): SegmentationBackend {
  const device = opts.device ?? 'cpu';
  const { model, info } = readModelCheckpoint(file, { device, outputStride: opts.outputStride, batchNorm: opts.bn });
  let meta: SegmentationBackend['info'];
  try {
    meta = modelInfo(file, info.labelSpace, info.numClasses, model.outputStride);
  } catch (e) {
    model.dispose();
    throw e;
  }
  let disposed = false;
  return {
    engine: 'libtorch',
    info: meta,
    async run(input: HostTensor): Promise<HostTensor> {
      if (disposed) throw new Error(`${file}: the backend was disposed`);
      const bytes = new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength);
      return noGrad(() =>
        tidy(() => {
          const out = model.forward(fromBuffer(bytes, input.shape, 'float32', { device }), { aux: false }).out;
          const [n, c, h, w] = out.shape as [number, number, number, number];
          return { data: out.float().toArray() as Float32Array, shape: [n, c, h, w] as HostTensor['shape'] };
        }),
      );
    },
    dispose(): void {
      if (!disposed) model.dispose();
      disposed = true;
    },
  };
}
