// ModelInfo from what a model file records: its label space (names and colours) and ImageNet normalisation.

// imagenet-stats, not normalize: no tensor imports, so the browser-side ONNX reader can build ModelInfo here too
import { IMAGENET_MEAN, IMAGENET_STD } from '../data/imagenet-stats.js';
import { getLabelSpace } from '../data/label-spaces.js';
import type { ModelInfo } from './backend.js';

/** Pascal VOC's colour map (bits of the class index spread over R, G, B), for models that record no label space. */
export function vocPalette(n: number): [number, number, number][] {
  return Array.from({ length: n }, (_, i) => {
    const rgb: [number, number, number] = [0, 0, 0];
    for (let j = 0, c = i; j < 8; j++, c >>= 3) for (let k = 0; k < 3; k++) rgb[k]! |= ((c >> k) & 1) << (7 - j);
    return rgb;
  });
}

/** ModelInfo of a model with `numClasses` outputs in `labelSpace` (null: generic names `class k` and VOC colours). */
export function modelInfo(file: string, labelSpace: string | null, numClasses: number, outputStride: number): ModelInfo {
  const base = { mean: [...IMAGENET_MEAN] as ModelInfo['mean'], std: [...IMAGENET_STD] as ModelInfo['std'], outputStride };
  if (labelSpace === null) {
    return { ...base, labelSpace: null, classNames: Array.from({ length: numClasses }, (_, k) => `class ${k}`), colors: vocPalette(numClasses) };
  }
  const space = getLabelSpace(labelSpace);
  if (space.numClasses !== numClasses) {
    throw new Error(`${file} predicts ${numClasses} classes but label space ${space.name} has ${space.numClasses} (${space.classes.join(', ')})`);
  }
  return { ...base, labelSpace: space.name, classNames: [...space.classes], colors: space.colors.map((c) => [c[0], c[1], c[2]]) };
}

/** `info` in label space `name` (for files that record none); refused when the file records another one. */
export function withLabelSpace(file: string, info: ModelInfo, name: string | undefined): ModelInfo {
  if (name === undefined || name === info.labelSpace) return info;
  if (info.labelSpace !== null) throw new Error(`labelSpace ${name} differs from the label space ${info.labelSpace} that ${file} records`);
  return modelInfo(file, name, info.classNames.length, info.outputStride);
}
