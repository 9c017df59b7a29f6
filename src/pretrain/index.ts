// Public surface of src/pretrain: formula-driven backbone pretraining (`shapeseg pretrain`).

export { type PretrainPaths, pretrainPaths, writeBackbone } from './backbone-file.js';
export { type BatchScore, type ClassifierAmp, classifyBatch, evaluateClassifier } from './classify.js';
export { FractalSet, type FractalSetOptions, type ImageBatch } from './fractal-set.js';
export {
  type AffineMap,
  chaosGame,
  DEFAULT_IFS_SEARCH,
  type FractalInstance,
  fillingRate,
  generateCategory,
  generateInstance,
  type Ifs,
  type IfsSearchOptions,
  ifsFillingRate,
  makeIfs,
} from './ifs.js';
export { heldOutInstances, type PretrainInput, type PretrainOptions, PretrainOptionsError, PretrainOptionsSchema, parsePretrainOptions } from './options.js';
export { drawMask, PLAIN_VIEW, paintImage, type View } from './render.js';
export { randomTexture, randomTexturePair, TEXTURE_KINDS, type Texture } from './texture.js';
export { type PretrainLogLine, type PretrainResult, pretrain } from './train.js';
