// The public library API: what `import { … } from 'shapeseg'` gives (docs/api.md). Curated, not `export *`:
// the names below are the supported surface; everything else under dist/ is internal and may change.

// --- tensors, scopes, devices (torch.*) --------------------------------------------------------------------
export { Tensor, type Operand } from './tensor/tensor.js';
export type { CreateOptions, DType, Device, MemoryFormat, RawTensor } from './tensor/dtype.js';
export {
  arange, empty, fromBuffer, fromRaw, full, getRngState, manualSeed, ones, onesLike, rand, randint, randn, setRngState,
  tensor, zeros, zerosLike,
} from './tensor/creation.js';
export { autocast, enableGrad, isGradEnabled, keep, liveTensorCount, noGrad, tidy } from './tensor/scope.js';
export {
  backendInfo, cudaDeviceCount, cudaIsAvailable, cudaSynchronize, getNumThreads, setCudnnBenchmark, setNumThreads,
  type BackendInfo,
} from './tensor/backend.js';
/** torch.nn.functional: `F.conv2d`, `F.crossEntropy`, `F.interpolate`, `F.cat`, … */
export { F } from './tensor/index.js';

// --- nn modules (torch.nn) ----------------------------------------------------------------------------------
export {
  Module, StateDictError, type LoadStateDictOptions, type LoadStateDictResult, type StateValue,
} from './nn/module.js';
export { Conv2d, type Conv2dOptions } from './nn/conv.js';
export { Linear } from './nn/linear.js';
export { BatchNorm2d, freezeBatchNorm, type BatchNorm2dOptions } from './nn/batchnorm.js';
export { ReLU } from './nn/activation.js';
export { Dropout } from './nn/dropout.js';
export { AdaptiveAvgPool2d, MaxPool2d, type MaxPool2dOptions } from './nn/pooling.js';
export { ModuleList, Sequential, type Layer } from './nn/sequential.js';
export { calculateGain, constant_, kaimingNormal_, kaimingUniform_, normal_, uniform_, type KaimingOptions } from './nn/init.js';
export { convertMemoryFormat } from './nn/memory-format.js';

// --- models (torchvision.models, torchvision.models.segmentation) ------------------------------------------
export { DEEPLAB_NAMES, RESNET_NAMES, type DeepLabName, type ResNetName } from './models/names.js';
export {
  buildModel, createDeepLabV3, deeplabv3_resnet18, deeplabv3_resnet34, deeplabv3_resnet50, deeplabv3_resnet101,
  deeplabv3_resnet152, inferArchitecture, loadBackbone, resnet18, resnet34, resnet50, resnet101, resnet152,
  type BackboneLoadReport, type BuildModelOptions, type BuiltModel, type DeepLabOptions, type InferredArchitecture,
} from './models/builders.js';
export { BasicBlock, Bottleneck, ResNet, type ResNetOptions } from './models/resnet.js';
export {
  ASPP, DeepLabHead, DeepLabV3, FCNHead, type OutputStride, type SegmentationForwardOptions, type SegmentationOutput,
} from './models/deeplabv3.js';

// --- checkpoint I/O (torch.load / torch.save, safetensors) -------------------------------------------------
export { CheckpointError } from './io/errors.js';
export { readPth, type ReadPthOptions } from './io/pth-read.js';
export { writePth } from './io/pth-write.js';
export { readSafetensors, writeSafetensors, type SafetensorsContents } from './io/safetensors.js';
export { detectCheckpointFormat, loadCheckpoint, type LoadedCheckpoint } from './io/checkpoint.js';
export {
  inspectModelCheckpoint, readModelCheckpoint, type LoadedModel, type ModelCheckpointInfo,
} from './eval/load-model.js';

// --- datasets, label spaces, transforms, loading (torchvision.datasets / transforms, DataLoader) ----------
export { DataError } from './data/errors.js';
export type { Dataset, FrameRange, Layout, Sample, SampleRef } from './data/dataset.js';
export { VKitti1Dataset, type VKitti1Options } from './data/vkitti1.js';
export { VKitti2Dataset, type VKitti2Options } from './data/vkitti2.js';
export { KittiDataset, type KittiOptions } from './data/kitti.js';
export { labelSpaceOf, openDataset } from './data/open.js';
export { DataConfigSchema, type DataConfig, type DataConfigInput } from './data/schema.js';
export { IGNORE_INDEX, LABEL_SPACE_NAMES, getLabelSpace, type LabelSpace, type LabelSpaceName } from './data/label-spaces.js';
export {
  ColorJitter, Compose, RandomCrop, RandomHorizontalFlip, RandomScale, trainTransform, type ColorJitterOptions,
  type SampleTransform, type Transform, type TrainTransformOptions,
} from './data/transforms.js';
export { DataLoader, evalLoader, type HostBatch, type LoaderOptions } from './data/loader.js';
export { collate, collateTo, type Batch } from './data/collate.js';
export { IMAGENET_MEAN, IMAGENET_STD, normalize } from './data/normalize.js';

// --- optimisation (torch.optim) -----------------------------------------------------------------------------
export { SGD, type ModelSGDOptions, type ParamGroup, type SGDOptions } from './optim/sgd.js';
export { PolySchedule, type PhaseSpan, type PolyScheduleOptions, type SchedulePhase } from './optim/schedule.js';

// --- training (the CLI's `train`, and the loss for your own loops) ------------------------------------------
export { train, TrainingDivergedError, type TrainOptions, type TrainResult } from './train/trainer.js';
export { AUX_WEIGHT, segmentationLoss, type SegOutputs } from './train/loss.js';
export { ConfigError } from './config/errors.js';
export { loadConfig, parseConfig, type ConfigOverrides } from './config/load.js';
export { RunConfigSchema, type RunConfig, type RunConfigInput } from './config/schema.js';

// --- shape-biasing training methods (image level on the batch, feature level inside the ResNet) ----------------
export { RandConv, type RandConvOptions } from './augment/randconv.js';
export { FourierAmplitudeMix, fourierAmplitudeMix, type AmplitudeMixOptions, type FourierOptions } from './augment/fourier.js';
export { Photometric, type PhotometricOptions } from './augment/photometric.js';
export { AdaINStylization, AdaINStylizer, type AdaINOptions } from './augment/adain.js';
export { MixStyle, type MixStyleOptions } from './augment/mixstyle.js';
export { DSU, type DSUOptions } from './augment/dsu.js';
export { jsDivergence } from './augment/consistency.js';
export type { ImageAugment } from './augment/image-augment.js';
export { attachFeatureAugmentation, buildAugmentation, type Augmentation } from './augment/build.js';

// --- evaluation and metrics ---------------------------------------------------------------------------------
export {
  evaluate, type EvalDataset, type EvaluableModel, type EvaluateOptions, type EvaluateResult,
} from './eval/evaluate.js';
export { predict, predictProbabilities, type InferenceOptions, type SegmentationModel } from './eval/inference.js';
export { ConfusionMatrix } from './eval/confusion.js';
export {
  computeMetrics, frequencyWeightedIoU, meanClassAccuracy, meanIoU, perClassAccuracy, perClassIoU, pixelAccuracy,
  type SegMetrics,
} from './eval/metrics.js';
export { formatMetricsTable } from './eval/table.js';
