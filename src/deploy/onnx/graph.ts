// An ONNX graph under construction: nodes in topological order (each emitted after its inputs), initializers, and
// unique value names derived from the module paths they come from (so a node reads as `backbone.layer1.0.conv1`).
import { type AttributeProto, type NodeProto, onnx, type TensorProto } from './proto.js';

/** A node attribute value: an int, a float, a string or a list of ints. */
export type Attr = { i: number } | { f: number } | { s: string } | { ints: readonly number[] };

const AttrType = onnx.AttributeProto.AttributeType;
const encoder = new TextEncoder();

function attribute(name: string, a: Attr): AttributeProto {
  if ('i' in a) return { name, type: AttrType.INT, i: a.i };
  if ('f' in a) return { name, type: AttrType.FLOAT, f: a.f };
  if ('s' in a) return { name, type: AttrType.STRING, s: encoder.encode(a.s) };
  return { name, type: AttrType.INTS, ints: [...a.ints] };
}

/** Little-endian bytes of a typed array (every platform libtorch and onnxruntime run on is little-endian). */
const bytesOf = (a: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Builds one GraphProto's nodes and initializers. */
export class OnnxGraph {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();

  /** `base`, or `base_1`, `base_2`... if taken: every value and node name is unique. */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds an `op` node named after `name` reading `inputs` ('' = an omitted optional input); returns its output. */
  node(op: string, name: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    const out = this.uniqueName(name);
    this.nodes.push({
      opType: op,
      name: out,
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Adds a float32 initializer; returns its (unique) name. */
  float(name: string, data: Float32Array, dims: readonly number[]): string {
    const unique = this.uniqueName(name);
    this.initializers.push({ name: unique, dataType: onnx.TensorProto.DataType.FLOAT, dims: [...dims], rawData: bytesOf(data) });
    return unique;
  }

  /** Adds a 1-d int64 initializer; returns its (unique) name. */
  int64(name: string, values: readonly number[]): string {
    const unique = this.uniqueName(name);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name: unique, dataType: onnx.TensorProto.DataType.INT64, dims: [values.length], rawData: bytesOf(data) });
    return unique;
  }
}
