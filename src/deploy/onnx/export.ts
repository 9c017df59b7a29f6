// A model → one ONNX ModelProto, by walking its module tree through the emitter registry (no tracing): the graph is
// what the model's eval-mode forward computes, main path only. Input `input` float32 [N,3,H,W] (normalised RGB),
// output `logits` float32 [N,C,H,W] at the input's size; N, H, W symbolic unless a fixed size is asked for.
import * as z from 'zod';
import { formatIssues } from '../../config/errors.js';
import type { Module } from '../../nn/index.js';
import { packageVersion } from '../../util/package-version.js';
import { OnnxGraph } from './graph.js';
import { metadataProps, type OnnxModelMetadata } from './metadata.js';
import { onnx, type ValueInfoProto } from './proto.js';
import { emitModule } from './registry.js';
// the emitters register themselves on import
import './layers.js';
import './resnet.js';
import './deeplab.js';
import './deeplabv3plus.js';

/** Opsets the exporter writes: 17 (Shape with start/end, Resize's half_pixel) up to what onnxruntime-node runs. */
export const MIN_OPSET = 17;
export const MAX_OPSET = 21;

/** ONNX IR version per opset (onnx/helper.py's VERSION_TABLE). */
function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

const dim = z.number().int().positive();

/** Options of exportOnnx(), validated here. */
export const OnnxExportOptionsSchema = z.strictObject({
  /** ai.onnx opset version. */
  opset: z.number().int().min(MIN_OPSET).max(MAX_OPSET).default(MIN_OPSET),
  /** Fold each BatchNorm into the convolution before it (default) or emit BatchNormalization nodes. */
  foldBatchNorm: z.boolean().default(true),
  /** Fixed input [H, W]; null (default): symbolic H and W, any size. */
  size: z.tuple([dim, dim]).nullable().default(null),
});

/** Options of exportOnnx(). */
export type OnnxExportOptions = z.input<typeof OnnxExportOptionsSchema>;

/** What exportOnnx() records about the model (the exporter adds the version and the BatchNorm folding). */
export type OnnxExportInfo = Omit<OnnxModelMetadata, 'shapesegVersion' | 'batchNormFolded'>;

function tensorValue(name: string, dims: ReadonlyArray<number | string>): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Serialises `model` (DeepLabV3, or anything the emitter registry covers) as an ONNX model with `info` as metadata. */
export function exportOnnx(model: Module, info: OnnxExportInfo, options: OnnxExportOptions = {}): Uint8Array {
  const parsed = OnnxExportOptionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`ONNX export options: ${formatIssues(parsed.error.issues, options).join('; ')}`);
  const opts = parsed.data;
  const graph = new OnnxGraph();
  const input = graph.uniqueName('input');
  const result = emitModule(model, input, { graph, foldBatchNorm: opts.foldBatchNorm });
  const last = graph.nodes.find((n) => n.output?.[0] === result);
  if (last === undefined) throw new Error('ONNX export: the model computes nothing from its input');
  last.output = ['logits'];
  const [h, w]: Array<number | string> = opts.size ?? ['H', 'W'];
  const meta: OnnxModelMetadata = { ...info, shapesegVersion: packageVersion(), batchNormFolded: opts.foldBatchNorm };
  const proto = onnx.ModelProto.create({
    irVersion: irVersionFor(opts.opset),
    producerName: 'shapeseg',
    producerVersion: meta.shapesegVersion,
    opsetImport: [{ domain: '', version: opts.opset }],
    graph: {
      name: info.model,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [tensorValue(input, ['N', 3, h!, w!])],
      output: [tensorValue('logits', ['N', info.numClasses, h!, w!])],
    },
    metadataProps: Object.entries(metadataProps(meta)).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(proto).finish();
}
