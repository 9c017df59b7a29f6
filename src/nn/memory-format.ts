// Memory format of a module's convolution weights (model.to(memory_format=torch.channels_last)).
import { keep, type MemoryFormat, noGrad, tidy } from '../tensor/index.js';
import { Conv2d } from './conv.js';
import type { Module } from './module.js';

/** Re-lays every Conv2d weight out in `format` in place (values and state-dict keys unchanged). */
export function convertMemoryFormat(model: Module, format: MemoryFormat): void {
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof Conv2d)) continue;
    const old = m.weight;
    if (old.isContiguous(format)) continue;
    const next = noGrad(() => tidy(() => keep(old.contiguous(format).detach())));
    next.requiresGrad = old.requiresGrad;
    m.registerParameter('weight', next);
    old.dispose();
  }
}
