// VainF/DeepLabV3Plus-Pytorch's AtrousSeparableConvolution (network/_deeplab.py): a k×k conv replaced by a
// depthwise k×k conv (groups = in channels, dilation kept) then a 1×1 pointwise conv, keys `body.0` / `body.1`.
// The head builders ask atrousConv() for every conv with kernel > 1, which is what convert_to_separable_conv()
// rewrites there (VainF converts the classifier only, never the backbone).

import { Conv2d, Module, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';

/** Geometry of a head conv: 'same' padding for its dilation, bias as nn.Conv2d's keyword. */
export interface AtrousConvOptions {
  dilation?: number;
  bias?: boolean;
}

/** Depthwise (dilated) k×k conv then pointwise 1×1 conv, as one module with children body.0, body.1. */
export class AtrousSeparableConvolution extends Module {
  readonly body: Sequential<Conv2d>;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: AtrousConvOptions = {}) {
    super();
    const dilation = opts.dilation ?? 1;
    const padding = (dilation * (kernelSize - 1)) / 2;
    const bias = opts.bias ?? true;
    this.body = new Sequential<Conv2d>(
      new Conv2d(inChannels, inChannels, kernelSize, { padding, dilation, bias, groups: inChannels }),
      new Conv2d(inChannels, outChannels, 1, { bias }),
    );
  }

  /** The depthwise conv (body.0), the one that carries the dilation. */
  get depthwise(): Conv2d {
    return this.body.at(0) as Conv2d;
  }

  /** The depthwise conv's dilation. */
  get dilation(): [number, number] {
    return this.depthwise.dilation;
  }

  /** Changes the depthwise conv's dilation and 'same' padding in place. */
  setDilation(dilation: number): void {
    this.depthwise.setDilation(dilation);
  }

  forward(x: Tensor): Tensor {
    return this.body.forward(x);
  }
}

/** A head conv whose dilation can be changed in place: plain or separable. */
export type AtrousConv = Conv2d | AtrousSeparableConvolution;

/** A k×k head conv ('same' padding), depthwise-separable when `separable` and k > 1 (convert_to_separable_conv's rule). */
export function atrousConv(inChannels: number, outChannels: number, kernelSize: number, opts: AtrousConvOptions = {}, separable = false): AtrousConv {
  if (separable && kernelSize > 1) return new AtrousSeparableConvolution(inChannels, outChannels, kernelSize, opts);
  const dilation = opts.dilation ?? 1;
  return new Conv2d(inChannels, outChannels, kernelSize, { padding: (dilation * (kernelSize - 1)) / 2, dilation, bias: opts.bias ?? true });
}
