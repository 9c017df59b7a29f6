// onnx.proto's generated classes (onnx-proto, CommonJS): imported in one place, since Node's ESM sees only its default
// export. No Node imports: the browser viewer reads model metadata through this too.
import type { onnx as OnnxNamespace } from 'onnx-proto';
import onnxProto from 'onnx-proto';

/** The `onnx` protobuf namespace (ModelProto, GraphProto, NodeProto, TensorProto...). */
export const onnx: typeof OnnxNamespace = onnxProto.onnx;

/** A graph node. */
export type NodeProto = OnnxNamespace.INodeProto;
/** A constant tensor (an initializer). */
export type TensorProto = OnnxNamespace.ITensorProto;
/** A node attribute. */
export type AttributeProto = OnnxNamespace.IAttributeProto;
/** A graph input or output with its type. */
export type ValueInfoProto = OnnxNamespace.IValueInfoProto;
/** A whole model. */
export type ModelProto = OnnxNamespace.IModelProto;
