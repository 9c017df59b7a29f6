// The classifier's forward pass, shared by the training step and the held-out evaluation: uint8 images are
// normalised with ImageNet's statistics, as the segmentation fine-tuning will normalise its inputs.
import { normalize } from '../data/normalize.js';
import type { ResNet } from '../models/index.js';
import type { Device } from '../tensor/index.js';
import * as T from '../tensor/index.js';
import type { ImageBatch } from './fractal-set.js';

/** The autocast a pass runs under: false (fp32) or bf16. */
export type ClassifierAmp = false | 'bf16';

/** Summed loss and correct predictions of one batch. */
export interface BatchScore {
  /** Mean cross-entropy over the batch. */
  loss: number;
  correct: number;
  count: number;
}

/**
 * Forward (and, when `backward`, backward) of a batch of square images through the classifier under `amp`; every
 * tensor it makes is freed. Throws on a non-finite loss naming `step`, before anything is accumulated into the gradients.
 */
export function classifyBatch(model: ResNet, batch: ImageBatch, o: { device: Device; amp: ClassifierAmp; backward: boolean; step: number }): BatchScore {
  const count = batch.labels.length;
  const side = Math.round(Math.sqrt(batch.images.length / (3 * count)));
  return T.tidy(() => {
    const x = normalize(T.fromBuffer(batch.images, [count, 3, side, side], 'uint8', { device: o.device }));
    const y = T.tensor(batch.labels, [count], { dtype: 'int64', device: o.device });
    const run = () => {
      const logits = model.forward(x);
      return { logits, loss: T.F.crossEntropy(logits, y) };
    };
    const { logits, loss } = o.amp === false ? run() : T.autocast(o.device === 'cpu' ? 'cpu' : 'cuda', 'bfloat16', run);
    const value = loss.item();
    if (!Number.isFinite(value)) throw new Error(`pretrain: loss is ${value} at step ${o.step}; try a lower --lr`);
    if (o.backward) loss.backward();
    return { loss: value, correct: logits.argmax(1).eq(y).sum().item(), count };
  });
}

/** Loss and accuracy over a held-out set, in eval mode without gradients, `batch` images at a time. */
export function evaluateClassifier(
  model: ResNet,
  set: ImageBatch,
  o: { device: Device; amp: ClassifierAmp; batch: number; step: number },
): { loss: number; accuracy: number } {
  const count = set.labels.length;
  const plane = set.images.length / count;
  let loss = 0;
  let correct = 0;
  model.eval();
  try {
    T.noGrad(() => {
      for (let start = 0; start < count; start += o.batch) {
        const end = Math.min(count, start + o.batch);
        const part = { images: set.images.subarray(start * plane, end * plane), labels: set.labels.subarray(start, end) };
        const s = classifyBatch(model, part, { ...o, backward: false });
        loss += s.loss * s.count;
        correct += s.correct;
      }
    });
  } finally {
    model.train();
  }
  return { loss: loss / count, accuracy: correct / count };
}
