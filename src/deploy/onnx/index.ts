// ONNX export of shapeseg models (docs/deploy.md) and reading an .onnx file's model info.

export { emitBatchNorm, emitConv, emitConvBn } from './conv-bn.js';
export { exportOnnx, MAX_OPSET, MIN_OPSET, type OnnxExportInfo, type OnnxExportOptions, OnnxExportOptionsSchema } from './export.js';
export { type CheckpointOnnxOptions, type CheckpointOnnxSummary, exportCheckpointToOnnx } from './from-checkpoint.js';
export { type Attr, OnnxGraph } from './graph.js';
export { emitChain, emitSequential } from './layers.js';
export { ONNX_FORMAT, type OnnxModelMetadata } from './metadata.js';
export { addRelu, resizeLike } from './ops.js';
export { type ReadOnnxInfoOptions, readOnnxExportMetadata, readOnnxMetadata, readOnnxModelInfo } from './read.js';
export { type EmitContext, type Emitter, emitModule, registerEmitter } from './registry.js';
export { emitResNetFeatures, type ResNetFeatureValues } from './resnet.js';
