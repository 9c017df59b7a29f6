// The public library API: what `import { … } from 'shapeseg'` gives (docs/api.md). Curated, not `export *`:
// the names below are the supported surface; everything else under dist/ is internal and may change.

export { type AdaINOptions, AdaINStylization, AdaINStylizer } from './augment/adain.js';
export { type Augmentation, buildAugmentation, chainFeatureModules } from './augment/build.js';
export { jsDivergence } from './augment/consistency.js';
export { type DebiasOptions, ShapeTextureDebias } from './augment/debias.js';
export { DSU, type DSUOptions } from './augment/dsu.js';
export { type AmplitudeMixOptions, FourierAmplitudeMix, type FourierOptions, fourierAmplitudeMix } from './augment/fourier.js';
export type { ImageAugment, TextureTarget } from './augment/image-augment.js';
export { MixStyle, type MixStyleOptions } from './augment/mixstyle.js';
export { Photometric, type PhotometricOptions } from './augment/photometric.js';
// --- shape-biasing training methods (image level on the batch, feature level inside the ResNet) ----------------
export { RandConv, type RandConvOptions } from './augment/randconv.js';
export { RegionRepaint, type RepaintOptions } from './augment/repaint.js';
export { ConfigError } from './config/errors.js';
export { type ConfigOverrides, loadConfig, parseConfig } from './config/load.js';
export { type RunConfig, type RunConfigInput, RunConfigSchema } from './config/schema.js';
export { Bdd100kDataset } from './data/bdd100k.js';
export { CityscapesDataset } from './data/cityscapes.js';
export { type Batch, collate, collateTo } from './data/collate.js';
export type { Dataset, FrameRange, Layout, Sample, SampleRef } from './data/dataset.js';
// --- datasets, label spaces, transforms, loading (torchvision.datasets / transforms, DataLoader) ----------
export { DataError } from './data/errors.js';
export { Gta5Dataset } from './data/gta5.js';
export { KittiDataset, type KittiOptions } from './data/kitti.js';
export {
  classIndices,
  getLabelSpace,
  IGNORE_INDEX,
  LABEL_SPACE_NAMES,
  type LabelSpace,
  type LabelSpaceName,
  SYNTHIA13_CLASSES,
} from './data/label-spaces.js';
export { DataLoader, evalLoader, type HostBatch, type LoaderOptions } from './data/loader.js';
export { MapillaryDataset } from './data/mapillary.js';
export { IMAGENET_MEAN, IMAGENET_STD, normalize } from './data/normalize.js';
export { labelSpaceOf, openDataset } from './data/open.js';
export { type DataConfig, type DataConfigInput, DataConfigSchema, LAYOUTS } from './data/schema.js';
export { SynthiaDataset } from './data/synthia.js';
export {
  ColorJitter,
  type ColorJitterOptions,
  Compose,
  RandomCrop,
  RandomHorizontalFlip,
  RandomScale,
  type SampleTransform,
  type TrainTransformOptions,
  type Transform,
  trainTransform,
} from './data/transforms.js';
export { VKitti1Dataset, type VKitti1Options } from './data/vkitti1.js';
export { VKitti2Dataset, type VKitti2Options } from './data/vkitti2.js';
// --- deployment (docs/deploy.md): Segmenter (checkpoints via libtorch, .onnx via onnxruntime; whole or sliding windows), ONNX export
export type { HostTensor, ModelInfo, SegmentationBackend } from './deploy/backend.js';
export type { ImageInput, RawImage } from './deploy/image-input.js';
export { createLibtorchBackend, type LibtorchBackendOptions } from './deploy/libtorch-backend.js';
export {
  type CheckpointOnnxOptions,
  exportCheckpointToOnnx,
  exportOnnx,
  type OnnxExportInfo,
  type OnnxExportOptions,
  type OnnxModelMetadata,
  type ReadOnnxInfoOptions,
  readOnnxExportMetadata,
  readOnnxMetadata,
  readOnnxModelInfo,
} from './deploy/onnx/index.js';
export { createOnnxBackend, type OnnxBackendOptions } from './deploy/onnx-backend.js';
export type { LoadOptions, SegmentOptions } from './deploy/options.js';
export { Segmenter, type SegmentManyOptions, type SegmentResult } from './deploy/segmenter.js';
export { ConfusionMatrix } from './eval/confusion.js';
// --- evaluation and metrics ---------------------------------------------------------------------------------
export { type EvalDataset, type EvaluableModel, type EvaluateOptions, type EvaluateResult, evaluate } from './eval/evaluate.js';
export { type InferenceOptions, predict, predictProbabilities, type SegmentationModel } from './eval/inference.js';
export {
  inspectModelCheckpoint,
  type LoadedModel,
  type ModelCheckpointInfo,
  readModelCheckpoint,
} from './eval/load-model.js';
export {
  computeMetrics,
  frequencyWeightedIoU,
  meanClassAccuracy,
  meanIoU,
  perClassAccuracy,
  perClassIoU,
  pixelAccuracy,
  type SegMetrics,
} from './eval/metrics.js';
export { formatMetricsTable } from './eval/table.js';
export { detectCheckpointFormat, type LoadedCheckpoint, loadCheckpoint } from './io/checkpoint.js';
// --- checkpoint I/O (torch.load / torch.save, safetensors) -------------------------------------------------
export { CheckpointError } from './io/errors.js';
export { type ReadPthOptions, readPth } from './io/pth-read.js';
export { writePth } from './io/pth-write.js';
export { readSafetensors, type SafetensorsContents, writeSafetensors } from './io/safetensors.js';
export {
  type BackboneLoadReport,
  type BuildModelOptions,
  type BuiltModel,
  buildModel,
  createDeepLabV3,
  createDeepLabV3Plus,
  createModel,
  type DeepLabOptions,
  type DeepLabV3PlusOptions,
  deeplabv3_resnet18,
  deeplabv3_resnet34,
  deeplabv3_resnet50,
  deeplabv3_resnet101,
  deeplabv3_resnet152,
  deeplabv3plus_resnet18,
  deeplabv3plus_resnet34,
  deeplabv3plus_resnet50,
  deeplabv3plus_resnet101,
  deeplabv3plus_resnet152,
  loadBackbone,
  type ModelOptions,
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
} from './models/builders.js';
export {
  DeepLabModel,
  type OutputStride,
  type SegmentationForwardOptions,
  type SegmentationOutput,
} from './models/deeplab-model.js';
export { ASPP, type ASPPOptions, DeepLabHead, DeepLabV3, FCNHead } from './models/deeplabv3.js';
export { DeepLabHeadV3Plus, DeepLabV3Plus, type DeepLabV3PlusHeadOptions } from './models/deeplabv3plus.js';
export { type InferredArchitecture, inferArchitecture } from './models/infer-architecture.js';
// --- models (torchvision.models, torchvision.models.segmentation) ------------------------------------------
export {
  DEEPLAB_NAMES,
  DEEPLABV3PLUS_NAMES,
  type DeepLabName,
  type DeepLabV3PlusName,
  isDeepLabV3PlusName,
  MODEL_NAMES,
  type ModelName,
  RESNET_NAMES,
  type ResNetName,
} from './models/names.js';
export { BasicBlock, Bottleneck, ResNet, type ResNetOptions } from './models/resnet.js';
export { AtrousSeparableConvolution } from './models/separable-conv.js';
export { ReLU } from './nn/activation.js';
export { addAuxBatchNorm, batchNormVariant, hasAuxBatchNorm } from './nn/aux-batchnorm.js';
export { BatchNorm2d, type BatchNorm2dOptions, freezeBatchNorm, withBatchNormSplit } from './nn/batchnorm.js';
export type { BatchNormChoice } from './nn/batchnorm-choice.js';
export { Conv2d, type Conv2dOptions } from './nn/conv.js';
export { Dropout } from './nn/dropout.js';
export { calculateGain, constant_, type KaimingOptions, kaimingNormal_, kaimingUniform_, normal_, uniform_ } from './nn/init.js';
export { Linear } from './nn/linear.js';
export { convertMemoryFormat } from './nn/memory-format.js';
// --- nn modules (torch.nn) ----------------------------------------------------------------------------------
export { type LoadStateDictOptions, type LoadStateDictResult, Module, StateDictError, type StateValue } from './nn/module.js';
export { AdaptiveAvgPool2d, MaxPool2d, type MaxPool2dOptions } from './nn/pooling.js';
export { type Layer, ModuleList, Sequential } from './nn/sequential.js';
export { type PhaseSpan, PolySchedule, type PolyScheduleOptions, type SchedulePhase } from './optim/schedule.js';
// --- optimisation (torch.optim) -----------------------------------------------------------------------------
export { type ModelSGDOptions, type ParamGroup, SGD, type SGDOptions } from './optim/sgd.js';
export {
  type BackendInfo,
  backendInfo,
  type CpuCacheStats,
  cpuCacheStats,
  cpuEmptyCache,
  cudaDeviceCount,
  cudaIsAvailable,
  cudaSynchronize,
  getNumThreads,
  setCudnnBenchmark,
  setNumThreads,
} from './tensor/backend.js';
export {
  arange,
  empty,
  fromBuffer,
  fromRaw,
  full,
  getRngState,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  setRngState,
  tensor,
  zeros,
  zerosLike,
} from './tensor/creation.js';
export type { CreateOptions, Device, DType, MemoryFormat, RawTensor } from './tensor/dtype.js';
/** torch.nn.functional: `F.conv2d`, `F.crossEntropy`, `F.interpolate`, `F.cat`, … */
export { F } from './tensor/index.js';
export { autocast, enableGrad, isGradEnabled, keep, liveTensorCount, noGrad, tidy } from './tensor/scope.js';
// --- tensors, scopes, devices (torch.*) --------------------------------------------------------------------
export { type Operand, Tensor } from './tensor/tensor.js';
export { AUX_WEIGHT, type SegLossOptions, type SegOutputs, segmentationLoss } from './train/loss.js';
// --- training (the CLI's `train`, and the loss for your own loops) ------------------------------------------
export { TrainingDivergedError, type TrainOptions, type TrainResult, train } from './train/trainer.js';
