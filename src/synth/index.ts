/** Public surface of the synthetic road-scene generator. */
export * from './classes.js';
export { CUE_CONFLICT_FILE, type CueConflictFrame, generateDataset, type SynthResult, TEXTURE_SOURCE_DIR } from './generate.js';
export { HELD_OUT_FAMILIES, type HeldOutFamily, repaintRegions } from './heldout-textures.js';
export { LAYOUT_NAMES, type LayoutName, vkitti2SceneName } from './layouts.js';
export { parseSynthOptions, type ResolvedSynthOptions, type SynthOptions, SynthOptionsError, SynthOptionsSchema, type SynthProgress } from './options.js';
export { type RenderedFrame, renderScene } from './render.js';
export { generateScene, type Scene, WORLD_IDS, type WorldId } from './scene.js';
export { DEFAULT_STYLE, type PartKind, SHIFTED_STYLE, STYLES, type Style } from './styles.js';
export { generateSuite, readSuiteManifest, SUITE_FILE, SUITE_ROLES, SUITE_STYLES, type SuiteManifest, type SuiteOptions } from './suite.js';
export {
  CUE_CONFLICT,
  cueConflictPermutation,
  type FrameStyle,
  HELD_OUT_STYLES,
  RANDOM_STYLE,
  STYLE_NAMES,
  STYLE_SHIFTS,
  styleForFrame,
  TEXTURE_FREE,
  UNSEEN_STYLES,
} from './suite-styles.js';
export { VARIATION_NAMES, VARIATIONS, type VariationLook, type VariationName } from './variations.js';
