// Public surface of src/augment: shape-biasing training methods (image level and feature level).

export * from './adain.js';
export * from './adain-nets.js';
export * from './batch-augmentation.js';
export * from './build.js';
export * from './consistency.js';
export * from './debias.js';
export * from './dsu.js';
export * from './fourier.js';
export * from './image-augment.js';
export * from './mixstyle.js';
export * from './photometric.js';
export * from './randconv.js';
export { beta, drawRng } from './random.js';
export * from './region-stats.js';
export * from './repaint.js';
export * from './stats.js';
export * from './style-bank.js';
