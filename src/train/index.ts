export { CheckpointDir, type LoadedCheckpoint, readCheckpoint, saveCheckpoint, TRAIN_CHECKPOINT_FORMAT, type TrainState } from './checkpoint.js';
export { AUX_WEIGHT, IGNORE_INDEX, type SegLossOptions, segmentationLoss } from './loss.js';
export { type MetricsLine, MetricsLog, parseMetricsLog, readMetricsLog, type TrainLogLine, type ValLogLine } from './metrics-log.js';
export { type RunPaths, runPaths } from './run-dir.js';
export { TensorBoardWriter } from './tensorboard.js';
export { TrainingDivergedError, type TrainOptions, type TrainResult, train } from './trainer.js';
