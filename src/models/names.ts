// The one list of model names: builders, config validation and the CLI all derive from it. Kept free of
// imports so the config schema can use it without loading the tensor addon.

/** ResNet depths shapeseg builds, torchvision's names. */
export const RESNET_NAMES = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152'] as const;
/** A ResNet builder's name. */
export type ResNetName = (typeof RESNET_NAMES)[number];

/** DeepLabV3 variants, named like torchvision's builders. */
export type DeepLabName = `deeplabv3_${ResNetName}`;
/** Every DeepLabName, in RESNET_NAMES order. */
export const DEEPLAB_NAMES: readonly DeepLabName[] = RESNET_NAMES.map((n): DeepLabName => `deeplabv3_${n}`);

/** DeepLabV3+ variants, named like VainF/DeepLabV3Plus-Pytorch's builders. */
export type DeepLabV3PlusName = `deeplabv3plus_${ResNetName}`;
/** Every DeepLabV3PlusName, in RESNET_NAMES order. */
export const DEEPLABV3PLUS_NAMES: readonly DeepLabV3PlusName[] = RESNET_NAMES.map((n): DeepLabV3PlusName => `deeplabv3plus_${n}`);

/** Any model shapeseg builds. */
export type ModelName = DeepLabName | DeepLabV3PlusName;
/** Every ModelName: the DeepLabV3 ones, then the DeepLabV3+ ones. */
export const MODEL_NAMES: readonly ModelName[] = [...DEEPLAB_NAMES, ...DEEPLABV3PLUS_NAMES];

/** Whether `name` is a DeepLabV3+ builder's name. */
export function isDeepLabV3PlusName(name: string): name is DeepLabV3PlusName {
  return (DEEPLABV3PLUS_NAMES as readonly string[]).includes(name);
}
