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
