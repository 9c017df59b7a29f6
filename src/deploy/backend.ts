// The seam between the inference API (Segmenter, src/deploy/segmenter.ts) and what computes logits: libtorch
// (a shapeseg / torchvision checkpoint) or onnxruntime (an exported .onnx file). Both take the same normalised
// NCHW float32 batch and return logits at the input size, so sliding windows, flips and scales live once, above.

/** What a model file says about itself: its classes, their colours and the normalisation it was trained with. */
export interface ModelInfo {
  /** The label space's name (e.g. vkitti-kitti), or null when the file does not record one. */
  labelSpace: string | null;
  /** Class names in output-channel order. */
  classNames: string[];
  /** RGB colour per class, for masks and legends. */
  colors: [number, number, number][];
  /** Per-channel mean and std the input is normalised with (ImageNet's for shapeseg models). */
  mean: [number, number, number];
  std: [number, number, number];
  /** The output stride the model runs at. */
  outputStride: number;
}

/** A float32 NCHW tensor on the host. */
export interface HostTensor {
  data: Float32Array;
  shape: [number, number, number, number];
}

/** Computes logits for normalised image batches. */
export interface SegmentationBackend {
  /** Which engine runs the model ('libtorch' or 'onnxruntime'). */
  readonly engine: 'libtorch' | 'onnxruntime';
  readonly info: ModelInfo;
  /** Logits N,C,H,W at the input's size for a normalised N,3,H,W batch. */
  run(input: HostTensor): Promise<HostTensor>;
  /** Frees the model (GPU memory, onnxruntime session). */
  dispose(): Promise<void> | void;
}
