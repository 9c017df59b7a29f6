// Inference as torchvision's segmentation reference evaluates: the whole image as it is,
// normalised, model in eval(), logits already upsampled to the input size by the model,
// argmax over classes. Optionally averaged softmax over scales and horizontal flips.
import { normalize } from '../data/normalize.js';
import { F, isGradEnabled, noGrad, type Tensor, tidy } from '../tensor/index.js';

/** What inference needs of a model: DeepLabV3's forward (logits at the input size) and its mode. */
export interface SegmentationModel {
  readonly training: boolean;
  forward(x: Tensor, opts?: { aux?: boolean }): { out: Tensor; aux?: Tensor };
}

/** Test-time augmentation. Default: one scale (1), no flip — torchvision's evaluation. */
export interface InferenceOptions {
  /** Input scale factors; the probabilities of each are resized back to the input size and averaged. */
  scales?: readonly number[];
  /** Also run the horizontally flipped input (flipped back) and average it in. */
  flip?: boolean;
}

/** True when the options ask for plain single-scale inference. */
export function isPlainInference(o: InferenceOptions): boolean {
  const scales = o.scales ?? [1];
  return !o.flip && scales.length === 1 && scales[0] === 1;
}

/** Validates a scale list (non-empty, positive, finite); throws naming the bad value. */
export function checkScales(scales: readonly number[]): readonly number[] {
  if (scales.length === 0) throw new Error('scales: expected at least one scale');
  for (const s of scales) if (!(Number.isFinite(s) && s > 0)) throw new Error(`scales: ${s} is not a positive number`);
  return scales;
}

/** The size an H×W input is resized to at scale `s` (at least 1×1). */
export function scaledSize(h: number, w: number, s: number): [number, number] {
  return [Math.max(1, Math.round(h * s)), Math.max(1, Math.round(w * s))];
}

function assertEval(model: SegmentationModel): void {
  // BatchNorm in training mode would normalise with batch statistics and update running stats
  if (model.training) throw new Error('inference needs the model in eval mode: call model.eval() first');
}

/** Logits of a normalised N,3,H,W float batch at scale `s`, resized back to H,W (and un-flipped). */
function logitsAt(model: SegmentationModel, x: Tensor, s: number, flip: boolean): Tensor {
  const [, , h, w] = x.shape;
  if (h === undefined || w === undefined) throw new Error(`inference: expected an N,3,H,W batch, got shape [${x.shape.join(', ')}]`);
  let inp = s === 1 ? x : F.interpolate(x, { size: scaledSize(h, w, s) }, 'bilinear', false);
  if (flip) inp = F.flip(inp, [3]);
  let out = model.forward(inp, { aux: false }).out;
  if (flip) out = F.flip(out, [3]);
  return s === 1 ? out : F.interpolate(out, { size: [h, w] }, 'bilinear', false);
}

/**
 * Softmax of a normalised N,3,H,W float batch averaged over the scales (and flips). Under grad mode it stays
 * differentiable (test-time adaptation minimises its entropy); otherwise the passes are summed in place.
 */
export function meanProbabilities(model: SegmentationModel, x: Tensor, opts: InferenceOptions = {}): Tensor {
  const scales = checkScales(opts.scales ?? [1]);
  const flips = opts.flip ? [false, true] : [false];
  const grad = isGradEnabled();
  let acc: Tensor | null = null;
  for (const s of scales) {
    for (const f of flips) {
      // each pass in its own scope: only its probabilities survive, the activations go at once
      const p = tidy(() => F.softmax(logitsAt(model, x, s, f).float(), 1));
      if (acc === null) acc = p;
      // softmax's backward needs its output unchanged: no in-place sum under grad
      else if (grad) acc = acc.add(p);
      else {
        acc.add_(p);
        p.dispose();
      }
    }
  }
  return (acc as Tensor).div(scales.length * flips.length);
}

/**
 * Class probabilities N,C,H,W (float32) of a uint8 N,3,H,W image batch on the model's device:
 * softmax averaged over the scales (and flips).
 */
export function predictProbabilities(model: SegmentationModel, images: Tensor, opts: InferenceOptions = {}): Tensor {
  assertEval(model);
  return noGrad(() => tidy(() => meanProbabilities(model, normalize(images), opts)));
}

/** Predicted class indices N,H,W (int64) of a uint8 N,3,H,W image batch on the model's device. */
export function predict(model: SegmentationModel, images: Tensor, opts: InferenceOptions = {}): Tensor {
  assertEval(model);
  if (!isPlainInference(opts)) return tidy(() => predictProbabilities(model, images, opts).argmax(1));
  return noGrad(() => tidy(() => model.forward(normalize(images), { aux: false }).out.argmax(1)));
}
