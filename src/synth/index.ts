/** Public surface of the synthetic road-scene generator. */
export * from './classes.js';
export { generateDataset, CUE_CONFLICT_FILE, TEXTURE_SOURCE_DIR, type CueConflictFrame, type SynthResult } from './generate.js';
export { SynthOptionsSchema, SynthOptionsError, parseSynthOptions, type SynthOptions, type SynthProgress, type ResolvedSynthOptions } from './options.js';
export { LAYOUT_NAMES, vkitti2SceneName, type LayoutName } from './layouts.js';
export { generateScene, WORLD_IDS, type Scene, type WorldId } from './scene.js';
export { renderScene, type RenderedFrame } from './render.js';
export { STYLES, DEFAULT_STYLE, SHIFTED_STYLE, type Style, type PartKind } from './styles.js';
export { VARIATIONS, VARIATION_NAMES, type VariationName, type VariationLook } from './variations.js';
export { STYLE_NAMES, STYLE_SHIFTS, TEXTURE_FREE, RANDOM_STYLE, CUE_CONFLICT, styleForFrame, cueConflictPermutation, type FrameStyle } from './suite-styles.js';
export { generateSuite, readSuiteManifest, SUITE_FILE, SUITE_STYLES, type SuiteManifest, type SuiteOptions } from './suite.js';
