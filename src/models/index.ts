// Public surface of src/models.

export * from './builders.js';
export * from './deeplabv3.js';
export * from './names.js';
export * from './resnet.js';
