// Checkpoint I/O: torch.save checkpoints (zip and legacy formats) and safetensors, as RawTensor maps.

export type { DType, RawTensor } from '../tensor/dtype.js';
export { detectCheckpointFormat, type LoadedCheckpoint, loadCheckpoint } from './checkpoint.js';
export { CheckpointError, FileError, FileWriteError } from './errors.js';
export { extractStateDict, openPth, type PthArchive, type ReadPthOptions, readPth, type StorageRef, TensorRef } from './pth-read.js';
export { pickleStateDict, writePth } from './pth-write.js';
export { readSafetensors, type SafetensorsContents, writeSafetensors } from './safetensors.js';
