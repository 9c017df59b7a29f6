// Public surface of src/augment: shape-biasing training methods (image level and feature level).
export * from './image-augment.js';
export * from './randconv.js';
export * from './fourier.js';
export * from './photometric.js';
export * from './adain-nets.js';
export * from './adain.js';
export * from './style-bank.js';
export * from './mixstyle.js';
export * from './dsu.js';
export * from './stats.js';
export * from './consistency.js';
export * from './batch-augmentation.js';
export * from './build.js';
export { drawRng, beta } from './random.js';
