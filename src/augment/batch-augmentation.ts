// The training hook of the image-level methods: uint8 device batch -> augmented, normalised model input,
// and the optional consistency term between the original and the augmented view.
import { normalize, normalizeUnit } from '../data/normalize.js';
import { GlobalBatch } from '../distributed/global-batch.js';
import { F, type Tensor, tensor, tidy } from '../tensor/index.js';
import { blend } from './blend.js';
import { jsDivergence } from './consistency.js';
import type { ImageAugment, TextureTarget } from './image-augment.js';
import { drawRng } from './random.js';

/** Options of BatchAugmentation. */
export interface BatchAugmentationOptions {
  /** Image-level methods, applied in this order. */
  methods: ImageAugment[];
  /** Weight of the Jensen–Shannon consistency term; null: no consistency (and no original view). */
  consistencyWeight: number | null;
  /** Share of the images that are augmented, drawn per image (default 1: all). */
  fraction?: number;
  /**
   * Put the images the methods left alone (or, with consistency, the original view) first and have BatchNorm
   * normalise them and the augmented ones by their own statistics (withBatchNormSplit); prepare() reports the split.
   */
  splitBatchNorm?: boolean;
}

/** What prepare() gives the model: its input, the labels in the same order, and where BatchNorm splits the batch. */
export interface PreparedBatch {
  input: Tensor;
  labels: Tensor;
  /** With splitBatchNorm: the number of leading images normalised apart from the rest (the clean ones). */
  clean?: number;
  /** With a cue-conflict method (debias): the texture-source classes in the order of `labels`, and γ. */
  texture?: TextureTarget;
}

/** augment()'s images, which of them went through the methods, and the texture target where a method gives one. */
interface MarkedBatch {
  images: Tensor;
  /** CPU float N: 1 where the image went through the methods, 0 where it did not. */
  augmented: Tensor;
  texture?: TextureTarget;
}

/** The texture target with its labels replaced (reordered, concatenated, sliced); none stays none. */
function mapTexture(texture: TextureTarget | undefined, f: (labels: Tensor) => Tensor = (t) => t): { texture?: TextureTarget } {
  return texture ? { texture: { labels: f(texture.labels), shapeWeight: texture.shapeWeight } } : {};
}

/** Image-level augmentation of a training batch, with the optional consistency loss. */
export class BatchAugmentation {
  constructor(readonly opts: BatchAugmentationOptions) {
    const textured = opts.methods.filter((m) => m.applyTextured !== undefined).map((m) => m.name);
    if (textured.length > 1) throw new Error(`BatchAugmentation: at most one cue-conflict method, got ${textured.join(', ')}`);
  }

  /** True when a method reads the labels (per-class RandConv, debias). */
  get needsLabels(): boolean {
    return this.opts.methods.some((m) => m.needsLabels === true);
  }

  /** Augments uint8 N,3,H,W images (labels N,H,W int64) into float [0, 1] images of the same shape (clamped once at the end). */
  augment(images: Tensor, labels: Tensor): Tensor {
    return this.augmentMarked(images, labels).images;
  }

  /** augment(), which images went through the methods, and the texture target of a cue-conflict method. */
  private augmentMarked(images: Tensor, labels: Tensor): MarkedBatch {
    return tidy(() => {
      const n = images.shape[0]!;
      const original = images.float().div_(255);
      let x = original;
      let texture: TextureTarget | undefined;
      for (const m of this.opts.methods) {
        if (m.applyTextured) ({ images: x, texture } = m.applyTextured(x, labels));
        else x = m.apply(x, labels);
      }
      x = x.clamp(0, 1);
      const fraction = this.opts.fraction ?? 1;
      if (fraction >= 1) return { images: x, augmented: tensor(new Array<number>(n).fill(1), [n], { dtype: 'float32' }), ...mapTexture(texture) };
      // a per-image choice keeps clean images in every batch (the methods' own draws are unchanged by it)
      const rng = drawRng();
      const keep = Array.from({ length: n }, () => (rng.random() < fraction ? 1 : 0));
      // a clean image wears its own textures: its texture classes are its labels
      return {
        images: blend(x, original, keep),
        augmented: tensor(keep, [n], { dtype: 'float32' }),
        ...mapTexture(texture, (t) => F.where(tensor(keep, [n, 1, 1], { device: labels.device }).ne(0), t, labels)),
      };
    });
  }

  /**
   * The model input for a uint8 batch and the labels that go with it: the normalised augmented images, or,
   * with consistency, the original and the augmented view concatenated (2N images, labels repeated). Under data
   * parallelism the methods see the global batch, so N ranks get what one process gets.
   */
  prepare(images: Tensor, labels: Tensor, world: GlobalBatch = GlobalBatch.single): PreparedBatch {
    return tidy(() => {
      // data-parallel: augment the global batch on every rank (same draws everywhere), keep this rank's share
      const marked = world.distributed && this.opts.methods.length > 0 ? this.augmentGlobal(images, labels, world) : this.augmentMarked(images, labels);
      const augmented = normalizeUnit(marked.images);
      const split = this.opts.splitBatchNorm === true;
      if (this.opts.consistencyWeight !== null) {
        // the original view wears its own textures
        const texture = mapTexture(marked.texture, (t) => F.cat([labels, t], 0));
        const both = { input: F.cat([normalize(images), augmented], 0), labels: F.cat([labels, labels], 0), ...texture };
        return split ? { ...both, clean: images.shape[0]! } : both;
      }
      if (!split) return { input: augmented, labels, ...mapTexture(marked.texture) };
      // the images the methods left alone first: BatchNorm normalises them apart (the loss does not depend on the order)
      const flags = Array.from(marked.augmented.toArray() as Float32Array);
      const order = [...flags.keys()].sort((a, b) => flags[a]! - flags[b]! || a - b);
      const index = tensor(order, [order.length], { device: images.device, dtype: 'int64' });
      return {
        input: augmented.indexSelect(0, index),
        labels: labels.indexSelect(0, index),
        clean: flags.filter((f) => f === 0).length,
        ...mapTexture(marked.texture, (t) => t.indexSelect(0, index)),
      };
    });
  }

  /** augmentMarked() of the data-parallel global batch, this rank's share of it. */
  private augmentGlobal(images: Tensor, labels: Tensor, world: GlobalBatch): MarkedBatch {
    // labels only where a method reads them (gathered as uint8: 255 = ignore fits); else the local ones, unread
    const all = this.augmentMarked(world.gather(images), this.needsLabels ? world.gather(labels.to('uint8')).long() : labels);
    return { images: world.slice(all.images), augmented: world.slice(all.augmented), ...mapTexture(all.texture, (t) => world.slice(t)) };
  }

  /** loss + weight · JS(original view, augmented view) of the main output; the loss itself without consistency. */
  addConsistency(loss: Tensor, out: Tensor): Tensor {
    const w = this.opts.consistencyWeight;
    if (w === null) return loss;
    return tidy(() => {
      const n = out.shape[0]! / 2;
      return loss.add(jsDivergence(out.narrow(0, 0, n), out.narrow(0, n, n)), w);
    });
  }

  dispose(): void {
    for (const m of this.opts.methods) m.dispose();
  }
}
