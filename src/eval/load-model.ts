// One way to get a ready-to-run model from a checkpoint, whoever wrote it:
//  - a shapeseg training checkpoint (safetensors, `model.*` + `optim.*`, run config in the metadata),
//  - a shapeseg model file (safetensors of the bare state dict, optional metadata name/numClasses/labelSpace/outputStride),
//  - a torchvision deeplabv3_resnet* .pth or a VainF/DeepLabV3Plus-Pytorch deeplabv3plus_resnet* one (optionally
//    under 'model'/'state_dict', optionally `module.`-prefixed).
// The architecture and class count always come from the tensors' keys and shapes (inferArchitecture);
// metadata only adds what tensors cannot say (label space, trained output stride) and is cross-checked.
import { loadCheckpoint } from '../io/index.js';
import { checkOutputStride, createModel, type DeepLabModel, inferArchitecture, type ModelName, type OutputStride } from '../models/index.js';
import { type BatchNormChoice, batchNormVariant, convertMemoryFormat, hasAuxBatchNorm } from '../nn/index.js';
import type { RawTensor } from '../tensor/dtype.js';
import type { Device } from '../tensor/index.js';

/** Metadata `format` of a training checkpoint (src/train/checkpoint.ts). */
const TRAIN_FORMAT = 'shapeseg-train-checkpoint/1';

/** What a checkpoint says about its model. */
export interface ModelCheckpointInfo {
  path: string;
  kind: 'shapeseg-train' | 'shapeseg-model' | 'torchvision';
  name: ModelName;
  numClasses: number;
  auxLoss: boolean;
  /** DeepLabV3+ only: 3x3 convs in the decoder (from the keys). */
  decoderConvs?: 1 | 2;
  /** DeepLabV3+ only: depthwise-separable head convs (from the keys). */
  separableConv?: boolean;
  /** Whether it holds auxiliary BatchNorm twins (`<bn>.aux_bn.*`, from training with augment.auxBatchNorm). */
  auxBatchNorm: boolean;
  /** Label space of the classes (null: the checkpoint does not say, e.g. torchvision's). */
  labelSpace: string | null;
  /** Output stride it was (last) trained at, when known. */
  trainedOutputStride: OutputStride | null;
  /** Optimizer steps done (training checkpoints). */
  step: number | null;
  /** The run config embedded in a training checkpoint. */
  config: unknown;
}

/** A model ready for inference (eval mode, on the device) and where it came from. */
export interface LoadedModel {
  model: DeepLabModel;
  info: ModelCheckpointInfo;
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

function parseJson(file: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: metadata "${key}" is not JSON (${(e as Error).message})`);
  }
}

/** The phase a step belongs to, given per-phase step counts (step 0 → phase 0). */
function phaseOfStep(phaseSteps: readonly number[], step: number): number {
  let end = 0;
  for (let p = 0; p < phaseSteps.length; p++) {
    end += phaseSteps[p]!;
    if (step <= end) return p;
  }
  return phaseSteps.length - 1;
}

/** Strips `prefix` from every key that has it. */
function stripPrefix(sd: Map<string, RawTensor>, prefix: string): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const [k, v] of sd) out.set(k.startsWith(prefix) ? k.slice(prefix.length) : k, v);
  return out;
}

/** Reads training-checkpoint facts: model tensors, config, label space, trained output stride, step. */
function fromTrainCheckpoint(file: string, tensors: Map<string, RawTensor>, meta: Record<string, string>) {
  const sd = new Map<string, RawTensor>();
  for (const [k, v] of tensors) if (k.startsWith('model.')) sd.set(k.slice('model.'.length), v);
  if (sd.size === 0) throw new Error(`${file}: training checkpoint holds no model.* tensors`);
  const config = meta.config !== undefined ? parseJson(file, 'config', meta.config) : null;
  const cfg = obj(config);
  const model = obj(cfg?.model);
  const train = obj(cfg?.train);
  const trainData = obj(obj(cfg?.data)?.train);
  const step = meta.step !== undefined ? Number(meta.step) : null;
  const phases = Array.isArray(train?.phases) ? (train.phases as unknown[]).map(obj) : [];
  let trainedOutputStride: OutputStride | null = null;
  if (phases.length > 0 && step !== null) {
    const p =
      phases[
        phaseOfStep(
          phases.map((x) => Number(x?.steps ?? 0)),
          step,
        )
      ];
    if (p?.outputStride === 8 || p?.outputStride === 16) trainedOutputStride = p.outputStride;
  }
  return {
    sd,
    config,
    step,
    name: typeof model?.name === 'string' ? model.name : undefined,
    numClasses: typeof model?.numClasses === 'number' ? model.numClasses : undefined,
    labelSpace: typeof trainData?.labelSpace === 'string' ? trainData.labelSpace : null,
    trainedOutputStride,
  };
}

/** Reads a checkpoint's state dict and what it says about the model, without building it. */
export function inspectModelCheckpoint(file: string): { stateDict: Map<string, RawTensor>; info: ModelCheckpointInfo } {
  const ck = loadCheckpoint(file);
  const meta = ck.metadata ?? {};
  let sd: Map<string, RawTensor>;
  let kind: ModelCheckpointInfo['kind'];
  let claimed: { name?: string; numClasses?: number } = {};
  let labelSpace: string | null = null;
  let trainedOutputStride: OutputStride | null = null;
  let step: number | null = null;
  let config: unknown = null;
  if (meta.format === TRAIN_FORMAT) {
    const t = fromTrainCheckpoint(file, ck.tensors, meta);
    ({ sd, config, step, labelSpace, trainedOutputStride } = t);
    claimed = { name: t.name, numClasses: t.numClasses };
    kind = 'shapeseg-train';
  } else {
    // DataParallel checkpoints prefix every key with `module.`
    const keys = [...ck.tensors.keys()];
    sd = keys.length > 0 && keys.every((k) => k.startsWith('module.')) ? stripPrefix(ck.tensors, 'module.') : ck.tensors;
    kind = ck.format === 'safetensors' ? 'shapeseg-model' : 'torchvision';
    const name = meta.model ?? meta.name;
    claimed = { name, numClasses: meta.numClasses !== undefined ? Number(meta.numClasses) : undefined };
    labelSpace = meta.labelSpace ?? null;
    if (meta.outputStride !== undefined) trainedOutputStride = checkOutputStride(Number(meta.outputStride));
  }
  let arch: ReturnType<typeof inferArchitecture>;
  try {
    arch = inferArchitecture(sd);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (claimed.name !== undefined && claimed.name !== arch.name) {
    throw new Error(`${file}: metadata says model ${claimed.name} but the tensors are a ${arch.name}`);
  }
  if (claimed.numClasses !== undefined && claimed.numClasses !== arch.numClasses) {
    throw new Error(`${file}: metadata says ${claimed.numClasses} classes but the classifier's tensors have ${arch.numClasses}`);
  }
  return {
    stateDict: sd,
    info: {
      path: file,
      kind,
      name: arch.name,
      numClasses: arch.numClasses,
      auxLoss: arch.auxLoss,
      // only when the tensors say (DeepLabV3+): a DeepLabV3's info has no such keys
      ...(arch.decoderConvs !== undefined && { decoderConvs: arch.decoderConvs }),
      ...(arch.separableConv !== undefined && { separableConv: arch.separableConv }),
      auxBatchNorm: hasAuxBatchNorm(sd.keys()),
      labelSpace,
      trainedOutputStride,
      step,
      config,
    },
  };
}

/** Options of readModelCheckpoint(). */
export interface ReadModelOptions {
  device?: Device;
  outputStride?: OutputStride;
  channelsLast?: boolean;
  /** Normalise with the model's BatchNorm (`main`, the default) or its auxiliary twins (`aux`; refused without them). */
  batchNorm?: BatchNormChoice;
}

/**
 * Builds the checkpoint's model, loads its weights (strict) with the BatchNorm `batchNorm` picks, moves it to `device`
 * (on CPU, channels-last weights unless `channelsLast: false`), sets eval mode.
 */
export function readModelCheckpoint(file: string, opts: ReadModelOptions = {}): LoadedModel {
  const inspected = inspectModelCheckpoint(file);
  const { info } = inspected;
  // a plain torchvision model either way: the twins' tensors, when picked, go under the BatchNorm keys
  const stateDict = batchNormVariant(inspected.stateDict, opts.batchNorm ?? 'main', file);
  const model = createModel(info.name, {
    numClasses: info.numClasses,
    auxLoss: info.auxLoss,
    decoderConvs: info.decoderConvs,
    separableConv: info.separableConv,
    outputStride: opts.outputStride ?? info.trainedOutputStride ?? 16,
  });
  try {
    model.loadStateDict(stateDict, { strict: true });
  } catch (e) {
    model.dispose();
    throw new Error(`${file}: cannot load into ${info.name}: ${(e as Error).message}`);
  }
  if (opts.device && opts.device !== 'cpu') model.to(opts.device);
  // On CPU, channels-last convolution weights run inference ~10% faster with the same kernels'
  // numerics class (docs/benchmarks.md); weights and state-dict keys are unchanged.
  else if (opts.channelsLast ?? true) convertMemoryFormat(model, 'channelsLast');
  model.eval();
  return { model, info };
}
