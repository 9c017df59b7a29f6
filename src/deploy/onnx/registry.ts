// Module -> ONNX nodes, keyed by the module's exact class: each entry emits what the class's eval-mode forward()
// computes. Exact classes, not the prototype chain, so a subclass that overrides forward() (ASPPPooling extends
// Sequential) is refused by name until it has an entry of its own instead of being exported as its parent.
import type { Module } from '../../nn/index.js';
import type { OnnxGraph } from './graph.js';

/** What an emitter may read while writing nodes. */
export interface EmitContext {
  readonly graph: OnnxGraph;
  /** Fold each BatchNorm2d into the convolution before it (default) or emit BatchNormalization nodes. */
  readonly foldBatchNorm: boolean;
  /** Dotted path of the module being emitted ('' for the root): node and initializer names. */
  readonly path: string;
  /** Emits child `name` of the current module on value `x`; returns its output value. */
  emit(child: Module, x: string, name: string): string;
  /** `path.name`, for nodes an emitter writes itself. */
  at(name: string): string;
  /** The context of child `name` (to call a helper such as emitResNetFeatures on a child). */
  child(name: string): EmitContext;
}

/** Writes the nodes of one module's forward on input value `x`; returns the output value's name. */
export type Emitter<M extends Module = Module> = (m: M, x: string, ctx: EmitContext) => string;

type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

const EMITTERS = new Map<ModuleClass<Module>, Emitter>();

/** Registers how instances of exactly `cls` are exported (a later registration replaces an earlier one). */
export function registerEmitter<M extends Module>(cls: ModuleClass<M>, emitter: Emitter<M>): void {
  EMITTERS.set(cls, emitter as Emitter);
}

/** Emits `m` (at module path `path`) on `x` through the registry; throws naming the path and class it lacks. */
export function emitModule(m: Module, x: string, ctx: EmitOptions, path = ''): string {
  const emitter = EMITTERS.get(m.constructor as ModuleClass<Module>);
  if (emitter === undefined) {
    throw new Error(`ONNX export: no emitter for ${m.constructor.name} (at "${path || '<root>'}"); register one with registerEmitter()`);
  }
  return emitter(m, x, contextAt(ctx, path));
}

/** What every context shares. */
export type EmitOptions = Pick<EmitContext, 'graph' | 'foldBatchNorm'>;

/** The context of the module at `path`. */
function contextAt(ctx: EmitOptions, path: string): EmitContext {
  const join = (name: string): string => (path ? `${path}.${name}` : name);
  return {
    graph: ctx.graph,
    foldBatchNorm: ctx.foldBatchNorm,
    path,
    emit: (child, input, name) => emitModule(child, input, ctx, join(name)),
    at: join,
    child: (name) => contextAt(ctx, join(name)),
  };
}
