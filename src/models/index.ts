// Public surface of src/models.
export * from './resnet.js';
export * from './deeplabv3.js';
export * from './names.js';
export * from './builders.js';
