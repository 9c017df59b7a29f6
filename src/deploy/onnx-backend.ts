// The onnxruntime engine behind SegmentationBackend: an .onnx file (shapeseg's export, or a foreign model with its
// label space named) run by onnxruntime-node on the CPU. onnxruntime-node is imported when a backend is created, so
// the rest of the library loads without it.
import * as fs from 'node:fs/promises';
import type { HostTensor, SegmentationBackend } from './backend.js';
import { readOnnxModelInfo } from './onnx/read.js';

/** Options of createOnnxBackend(). */
export interface OnnxBackendOptions {
  /** onnxruntime's intra-op threads (default: its own choice, the physical cores). */
  threads?: number;
  /** For a file without shapeseg metadata: the label space of its output channels (required then). */
  labelSpace?: string;
  /** For a file without shapeseg metadata: its output stride (default 8). */
  outputStride?: number;
}

/** Opens `file` with onnxruntime-node; `info` comes from its metadata (see readOnnxModelInfo). */
export async function createOnnxBackend(file: string, opts: OnnxBackendOptions = {}): Promise<SegmentationBackend> {
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
    throw new Error(`threads: expected a positive integer, got ${opts.threads}`);
  }
  const bytes = new Uint8Array(await fs.readFile(file));
  const info = readOnnxModelInfo(bytes, { source: file, labelSpace: opts.labelSpace, outputStride: opts.outputStride });
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    ...(opts.threads !== undefined ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
    graphOptimizationLevel: 'all',
  });
  const [inputName] = session.inputNames;
  const outputName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
  if (inputName === undefined || outputName === undefined) throw new Error(`${file}: the model has no input or no output`);
  return {
    engine: 'onnxruntime',
    info,
    async run(input: HostTensor): Promise<HostTensor> {
      const feeds = { [inputName]: new ort.Tensor('float32', input.data, input.shape) };
      const out = (await session.run(feeds, [outputName]))[outputName]!;
      const [n, c, h, w] = out.dims.map(Number);
      if (out.type !== 'float32' || out.dims.length !== 4 || n !== input.shape[0] || h !== input.shape[2] || w !== input.shape[3]) {
        const want = `float32 [${input.shape[0]},C,${input.shape[2]},${input.shape[3]}]`;
        throw new Error(`${file}: output ${outputName} is ${out.type} [${out.dims.join(',')}], expected ${want} (logits at the input's size)`);
      }
      return { data: out.data as Float32Array, shape: [n, c!, h, w] };
    },
    dispose: () => session.release(),
  };
}
