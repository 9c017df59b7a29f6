// Public surface of src/nn.

export * from './activation.js';
export * from './aux-batchnorm.js';
export * from './batchnorm.js';
export * from './batchnorm-choice.js';
export * from './conv.js';
export * from './dropout.js';
export { F } from './functional.js';
export * from './global-batch-dropout.js';
export * from './init.js';
export * from './intermediate.js';
export * from './linear.js';
export * from './memory-format.js';
export * from './module.js';
export * from './pooling.js';
export * from './sequential.js';
export * from './sync-batchnorm.js';
