export { train, TrainingDivergedError, type TrainOptions, type TrainResult } from './trainer.js';
export { saveCheckpoint, readCheckpoint, CheckpointDir, TRAIN_CHECKPOINT_FORMAT, type TrainState, type LoadedCheckpoint } from './checkpoint.js';
export { MetricsLog, readMetricsLog, type MetricsLine, type TrainLogLine, type ValLogLine } from './metrics-log.js';
export { TensorBoardWriter } from './tensorboard.js';
export { segmentationLoss, AUX_WEIGHT, IGNORE_INDEX } from './loss.js';
export { runPaths, type RunPaths } from './run-dir.js';
