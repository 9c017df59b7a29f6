// The AdaIN networks in naoto0804/pytorch-AdaIN's layout, so its `vgg_normalised.pth` and `decoder.pth`
// load key for key: a VGG-19 encoder (caffe-normalising 1x1 conv, reflection-padded 3x3 convs) cut after
// relu4_1, and the mirrored decoder with nearest-neighbour upsampling.
import { readPth } from '../io/index.js';
import { Conv2d, type Layer, MaxPool2d, Module, ReLU, Sequential } from '../nn/index.js';
import { F, type RawTensor, type Tensor } from '../tensor/index.js';

/** nn.ReflectionPad2d(1). */
class ReflectionPad2d extends Module {
  forward(x: Tensor): Tensor {
    return F.pad(x, [1, 1, 1, 1], 'reflect');
  }
}

/** nn.Upsample(scale_factor=2, mode='nearest'). */
class UpsampleNearest2x extends Module {
  forward(x: Tensor): Tensor {
    return F.interpolate(x, { scaleFactor: 2 }, 'nearest');
  }
}

/** Layer plan: [in, out] a padded 3x3 conv + ReLU; 'pool' a ceil-mode 2x2 max pool; 'up' a 2x upsample. */
type Step = [number, number] | 'pool' | 'up';

function layers(plan: Step[], finalRelu: boolean): Layer[] {
  const out: Layer[] = [];
  plan.forEach((s, i) => {
    if (s === 'pool') out.push(new MaxPool2d(2, { stride: 2, ceilMode: true }));
    else if (s === 'up') out.push(new UpsampleNearest2x());
    else {
      out.push(new ReflectionPad2d(), new Conv2d(s[0], s[1], 3));
      if (finalRelu || i < plan.length - 1) out.push(new ReLU());
    }
  });
  return out;
}

/** VGG-19 (vgg_normalised) up to relu4_1: keys 0, 2, 5, 9, 12, 16, 19, 22, 25, 29 (.weight/.bias). */
export function vggEncoder(): Sequential {
  const plan: Step[] = [[3, 64], [64, 64], 'pool', [64, 128], [128, 128], 'pool', [128, 256], [256, 256], [256, 256], [256, 256], 'pool', [256, 512]];
  return new Sequential(new Conv2d(3, 3, 1), ...layers(plan, true));
}

/** The AdaIN decoder: relu4_1 features (512 channels) back to an RGB image at 8x the size. */
export function adainDecoder(): Sequential {
  const plan: Step[] = [[512, 256], 'up', [256, 256], [256, 256], [256, 256], [256, 128], 'up', [128, 128], [128, 64], 'up', [64, 64], [64, 3]];
  return new Sequential(...layers(plan, false));
}

/**
 * Loads a naoto0804-layout file into `net`. The full vgg_normalised.pth holds VGG-19 to relu5_4; keys
 * past the encoder's cut are ignored, anything missing or misshapen is an error naming the file.
 */
export async function loadAdaINWeights(net: Sequential, file: string, field: string): Promise<void> {
  const sd = await readPth(file);
  const own = new Set(net.stateDict().keys());
  const used = new Map<string, RawTensor>([...sd].filter(([k]) => own.has(k)));
  try {
    net.loadStateDict(used, { strict: true });
  } catch (e) {
    throw new Error(`${field}: ${file} does not fit the AdaIN network (naoto0804/pytorch-AdaIN layout): ${(e as Error).message}`);
  }
}
