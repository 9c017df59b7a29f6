// ImageNet's channel statistics, in a module without tensor imports so browser code (the ONNX model reader) can use them.

/** ImageNet channel means (RGB, 0..1). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
/** ImageNet channel standard deviations (RGB, 0..1). */
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
