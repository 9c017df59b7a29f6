// Analytic conv FLOP count for DeepLabV3-ResNet, from the architecture's conv shapes alone (no model needed),
// so both sides are scored against the same number. Matches counting 2*Cin/groups*kh*kw*Cout*Hout*Wout on
// every nn.Conv2d with forward hooks (bench/reference/deeplab_bench.py --countFlops checks it).

/** Which DeepLabV3 variant and input the count is for. */
export interface FlopsSpec {
  /** ResNet depth of the backbone: 18, 34, 50 or 101. */
  depth: number;
  outputStride: 8 | 16 | 32;
  numClasses: number;
  auxLoss: boolean;
  batch: number;
  height: number;
  width: number;
}

const BLOCKS: Record<number, { bottleneck: boolean; layers: [number, number, number, number] }> = {
  18: { bottleneck: false, layers: [2, 2, 2, 2] },
  34: { bottleneck: false, layers: [3, 4, 6, 3] },
  50: { bottleneck: true, layers: [3, 4, 6, 3] },
  101: { bottleneck: true, layers: [3, 4, 23, 3] },
};

/** Spatial output size of a conv/pool along one axis (PyTorch's formula, floor mode). */
export function convOut(size: number, k: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

/** Forward FLOPs of one conv: 2 * Cin * k * k * Cout * Hout * Wout (groups = 1), per image. */
function conv(cin: number, cout: number, k: number, hOut: number, wOut: number): number {
  return 2 * cin * k * k * cout * hOut * wOut;
}

/** Forward conv FLOPs of DeepLabV3-ResNet for the whole batch (a training step does ~3x this). */
export function deeplabConvFlops(spec: FlopsSpec): number {
  const arch = BLOCKS[spec.depth];
  if (!arch) throw new Error(`deeplabConvFlops: no ResNet-${spec.depth} (have ${Object.keys(BLOCKS).join(', ')})`);
  const dilate = { 8: [false, true, true], 16: [false, false, true], 32: [false, false, false] }[spec.outputStride];
  let h = convOut(spec.height, 7, 2, 3);
  let w = convOut(spec.width, 7, 2, 3);
  let total = conv(3, 64, 7, h, w);
  h = convOut(h, 3, 2, 1);
  w = convOut(w, 3, 2, 1);
  const expansion = arch.bottleneck ? 4 : 1;
  let inplanes = 64;
  let auxIn = { c: 0, h: 0, w: 0 };
  for (let li = 0; li < 4; li++) {
    const planes = 64 << li;
    // torchvision's _make_layer: a dilated layer keeps stride 1 and multiplies dilation instead
    const stride = li === 0 || dilate[li - 1] ? 1 : 2;
    for (let b = 0; b < arch.layers[li]!; b++) {
      const s = b === 0 ? stride : 1;
      const ho = convOut(h, 1, s, 0);
      const wo = convOut(w, 1, s, 0);
      if (arch.bottleneck) {
        total += conv(inplanes, planes, 1, h, w);
        total += conv(planes, planes, 3, ho, wo); // padding = dilation keeps the size whatever the dilation
        total += conv(planes, planes * 4, 1, ho, wo);
      } else {
        total += conv(inplanes, planes, 3, ho, wo);
        total += conv(planes, planes, 3, ho, wo);
      }
      if (b === 0 && (s !== 1 || inplanes !== planes * expansion)) total += conv(inplanes, planes * expansion, 1, ho, wo);
      inplanes = planes * expansion;
      h = ho;
      w = wo;
    }
    if (li === 2) auxIn = { c: inplanes, h, w };
  }
  // DeepLabHead: ASPP (1x1, three dilated 3x3, pooled 1x1 at 1x1) -> project 1x1 -> 3x3 -> 1x1 classifier
  let head = conv(inplanes, 256, 1, h, w) + 3 * conv(inplanes, 256, 3, h, w) + conv(inplanes, 256, 1, 1, 1);
  head += conv(5 * 256, 256, 1, h, w) + conv(256, 256, 3, h, w) + conv(256, spec.numClasses, 1, h, w);
  total += head;
  if (spec.auxLoss) {
    const mid = auxIn.c / 4;
    total += conv(auxIn.c, mid, 3, auxIn.h, auxIn.w) + conv(mid, spec.numClasses, 1, auxIn.h, auxIn.w);
  }
  return total * spec.batch;
}

/** The ResNet depth in a model name such as 'deeplabv3_resnet101'. */
export function depthOf(model: string): number {
  const m = /resnet(\d+)$/.exec(model);
  if (!m) throw new Error(`depthOf: model ${model} is not deeplabv3_resnet<depth>`);
  return Number(m[1]);
}
