// The metadata_props an exported model carries, so the .onnx file alone says what its output channels mean and how to
// normalise its input. String values (ONNX's metadata is a string map); lists as JSON. No Node imports (browser viewer).
import * as z from 'zod';
import { formatIssues } from '../../config/errors.js';
import type { ModelInfo } from '../backend.js';

/** Value of the `format` key: marks a file written by `shapeseg export --format onnx`. */
export const ONNX_FORMAT = 'shapeseg-onnx/1';

/** Everything an exported file records about its model. */
export interface OnnxModelMetadata extends ModelInfo {
  /** The shapeseg version that wrote it. */
  shapesegVersion: string;
  /** Architecture name, e.g. deeplabv3_resnet18. */
  model: string;
  numClasses: number;
  /** Whether each BatchNorm was folded into the convolution before it. */
  batchNormFolded: boolean;
  /** Which BatchNorm of a model with auxiliary twins was exported. */
  batchNorm: 'main' | 'aux';
}

/** Keys whose values are JSON. */
const JSON_KEYS = ['classNames', 'colors', 'mean', 'std'] as const;

/** The metadata as ONNX's string map (labelSpace omitted when null). */
export function metadataProps(meta: OnnxModelMetadata): Record<string, string> {
  const props: Record<string, string> = {
    format: ONNX_FORMAT,
    shapesegVersion: meta.shapesegVersion,
    model: meta.model,
    numClasses: String(meta.numClasses),
    outputStride: String(meta.outputStride),
    batchNormFolded: String(meta.batchNormFolded),
    batchNorm: meta.batchNorm,
  };
  if (meta.labelSpace !== null) props.labelSpace = meta.labelSpace;
  for (const k of JSON_KEYS) props[k] = JSON.stringify(meta[k]);
  return props;
}

const byte = z.number().int().min(0).max(255);
const triple = z.tuple([z.number(), z.number(), z.number()]);

const MetadataSchema = z
  .object({
    format: z.literal(ONNX_FORMAT),
    shapesegVersion: z.string(),
    model: z.string().min(1),
    numClasses: z.number().int().positive(),
    labelSpace: z.string().min(1).nullable(),
    classNames: z.array(z.string()).min(1),
    colors: z.array(z.tuple([byte, byte, byte])),
    mean: triple,
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    outputStride: z.number().int().positive(),
    batchNormFolded: z.boolean(),
    batchNorm: z.enum(['main', 'aux']),
  })
  .check((ctx) => {
    const v = ctx.value;
    for (const key of ['classNames', 'colors'] as const) {
      if (v[key].length !== v.numClasses) {
        ctx.issues.push({ code: 'custom', path: [key], input: v[key], message: `expected ${v.numClasses} entries (numClasses), got ${v[key].length}` });
      }
    }
  });

/** Decodes the string map's values (JSON lists, numbers, booleans); a value that does not decode stays a string. */
function decode(props: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = { labelSpace: null, ...props };
  for (const k of JSON_KEYS) {
    const text = props[k];
    if (text === undefined) continue;
    try {
      out[k] = JSON.parse(text);
    } catch {
      // left a string: the schema then reports the key
    }
  }
  for (const k of ['numClasses', 'outputStride']) if (props[k] !== undefined && props[k] !== '') out[k] = Number(props[k]);
  for (const k of ['batchNormFolded']) if (props[k] === 'true' || props[k] === 'false') out[k] = props[k] === 'true';
  return out;
}

/** Parses a shapeseg export's metadata; throws naming `source` and each bad key. */
export function parseMetadata(props: Readonly<Record<string, string>>, source: string): OnnxModelMetadata {
  const decoded = decode(props);
  const r = MetadataSchema.safeParse(decoded);
  if (!r.success) throw new Error(`${source}: invalid shapeseg ONNX metadata: ${formatIssues(r.error.issues, decoded).join('; ')}`);
  return r.data;
}

/** Whether a metadata map claims to be a shapeseg export (its `format` key). */
export function isShapesegMetadata(props: Readonly<Record<string, string>>): boolean {
  return props.format?.startsWith('shapeseg-onnx/') === true;
}
