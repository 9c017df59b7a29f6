// Small node patterns several emitters share.
import type { EmitContext } from './registry.js';

/**
 * Bilinear resize of `x` to the spatial size of `ref`, read at run time (Shape → Concat → Resize), so one graph serves
 * every input size. half_pixel with linear mode is PyTorch's F.interpolate(mode='bilinear', align_corners=False):
 * both clamp source coordinates to the image, which also makes a 1×1 map (the ASPP pooling branch) a constant.
 */
export function resizeLike(ctx: EmitContext, x: string, ref: string, at: string): string {
  const g = ctx.graph;
  const batchChannels = g.node('Shape', `${at}.shape_nc`, [x], { start: { i: 0 }, end: { i: 2 } });
  const spatial = g.node('Shape', `${at}.shape_hw`, [ref], { start: { i: 2 } });
  const sizes = g.node('Concat', `${at}.sizes`, [batchChannels, spatial], { axis: { i: 0 } });
  return g.node('Resize', at, [x, '', '', sizes], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'half_pixel' } });
}

/** Add then Relu (a residual block's end). */
export function addRelu(ctx: EmitContext, a: string, b: string, at: string): string {
  const sum = ctx.graph.node('Add', `${at}.add`, [a, b]);
  return ctx.graph.node('Relu', `${at}.relu`, [sum]);
}
