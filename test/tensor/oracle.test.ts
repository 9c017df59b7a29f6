// Forward values of the functional ops against torch 1.13 on the same inputs (one Python run for all).
import { describe, it } from 'node:test';

import * as T from '../../src/tensor/index.js';
import { assertClose, flat, nums, oracleUnavailable, runTorch } from './helpers.js';

const { F } = T;

describe('functional ops equal torch.nn.functional', () => {
  it('interpolate, pooling, pad, softmax and crossEntropy on random inputs', (t) => {
    const skip = oracleUnavailable();
    if (skip) return t.skip(skip);
    T.tidy(() => {
      T.manualSeed(11);
      const x = T.randn([2, 3, 5, 7]);
      const target = nums(T.randint(0, 3, [2, 5, 7]).toArray());
      target[3] = 255;
      const cw = T.tensor([0.2, 1, 3], [3], { dtype: 'float32' });
      const ours: Record<string, T.Tensor> = {
        upScale: F.interpolate(x, { scaleFactor: 1.5 }, 'bilinear'),
        upScaleAligned: F.interpolate(x, { scaleFactor: 2 }, 'bilinear', true),
        downSize: F.interpolate(x, { size: [3, 4] }, 'bilinear'),
        nearestSize: F.interpolate(x, { size: [8, 9] }, 'nearest'),
        nearestScale: F.interpolate(x, { scaleFactor: 0.5 }, 'nearest'),
        adaptive: F.adaptiveAvgPool2d(x, [3, 2]),
        maxPoolCeil: F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
        maxPoolDil: F.maxPool2d(x, { kernelSize: 2, stride: 1, dilation: 2 }),
        padReflect: F.pad(x, [2, 1, 1, 2], 'reflect'),
        padReplicate: F.pad(x, [1, 1, 1, 1], 'replicate'),
        logSoftmax: F.logSoftmax(x, 1),
        ce: F.crossEntropy(x, T.tensor(target, [2, 5, 7]), { ignoreIndex: 255, weight: cw, labelSmoothing: 0.1 }),
        ceNone: F.crossEntropy(x, T.tensor(target, [2, 5, 7]), { ignoreIndex: 255, reduction: 'none' }),
        ceSum: F.crossEntropy(x, T.tensor(target, [2, 5, 7]), { ignoreIndex: 255, reduction: 'sum', labelSmoothing: 0.2 }),
      };
      const ref = runTorch<Record<string, unknown>>(
        `
import torch.nn.functional as F
x = torch.tensor(inp['x'], dtype=torch.float32).reshape(2, 3, 5, 7)
t = torch.tensor(inp['t'], dtype=torch.int64).reshape(2, 5, 7)
cw = torch.tensor([0.2, 1, 3])
r = {
  'upScale': F.interpolate(x, scale_factor=1.5, mode='bilinear', align_corners=False),
  'upScaleAligned': F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True),
  'downSize': F.interpolate(x, size=(3, 4), mode='bilinear', align_corners=False),
  'nearestSize': F.interpolate(x, size=(8, 9), mode='nearest'),
  'nearestScale': F.interpolate(x, scale_factor=0.5, mode='nearest'),
  'adaptive': F.adaptive_avg_pool2d(x, (3, 2)),
  'maxPoolCeil': F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
  'maxPoolDil': F.max_pool2d(x, 2, 1, dilation=2),
  'padReflect': F.pad(x, [2, 1, 1, 2], mode='reflect'),
  'padReplicate': F.pad(x, [1, 1, 1, 1], mode='replicate'),
  'logSoftmax': F.log_softmax(x, 1),
  'ce': F.cross_entropy(x, t, ignore_index=255, weight=cw, label_smoothing=0.1),
  'ceNone': F.cross_entropy(x, t, ignore_index=255, reduction='none'),
  'ceSum': F.cross_entropy(x, t, ignore_index=255, reduction='sum', label_smoothing=0.2),
}
out = {k: {'shape': list(v.shape), 'data': v.flatten().tolist()} for k, v in r.items()}
`,
        { x: nums(x.toArray()), t: target },
      ) as Record<string, { shape: number[]; data: number[] }>;
      for (const [name, tensor] of Object.entries(ours)) {
        const r = ref[name]!;
        assertClose(tensor.shape, r.shape, 0, 0, `${name} shape`);
        assertClose(tensor.toArray(), flat(r.data), 1e-5, 1e-5, name);
      }
    });
  });
});
