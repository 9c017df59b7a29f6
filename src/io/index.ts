// Checkpoint I/O: torch.save checkpoints (zip and legacy formats) and safetensors, as RawTensor maps.
export { CheckpointError, FileError, FileWriteError } from './errors.js';
export { readPth, openPth, extractStateDict, TensorRef, type StorageRef, type PthArchive, type ReadPthOptions } from './pth-read.js';
export { writePth, pickleStateDict } from './pth-write.js';
export { readSafetensors, writeSafetensors, type SafetensorsContents } from './safetensors.js';
export { loadCheckpoint, detectCheckpointFormat, type LoadedCheckpoint } from './checkpoint.js';
export type { RawTensor, DType } from '../tensor/dtype.js';
