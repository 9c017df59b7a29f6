/** Public surface of the synthetic road-scene generator. */
export * from './classes.js';
export { generateDataset, type SynthResult } from './generate.js';
export { SynthOptionsSchema, SynthOptionsError, parseSynthOptions, type SynthOptions, type SynthProgress, type ResolvedSynthOptions } from './options.js';
export { LAYOUT_NAMES, vkitti2SceneName, type LayoutName } from './layouts.js';
export { generateScene, WORLD_IDS, type Scene, type WorldId } from './scene.js';
export { renderScene, type RenderedFrame } from './render.js';
export { STYLES, STYLE_NAMES, DEFAULT_STYLE, SHIFTED_STYLE, type Style, type PartKind } from './styles.js';
export { VARIATIONS, VARIATION_NAMES, type VariationName, type VariationLook } from './variations.js';
