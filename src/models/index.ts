// Public surface of src/models.

export * from './builders.js';
export * from './deeplab-model.js';
export * from './deeplabv3.js';
export * from './deeplabv3plus.js';
export * from './infer-architecture.js';
export * from './names.js';
export * from './resnet.js';
export * from './separable-conv.js';
