export { type PhaseSpan, PolySchedule, type PolyScheduleOptions, type SchedulePhase } from './schedule.js';
export { type ModelSGDOptions, type ParamGroup, SGD, type SGDOptions } from './sgd.js';
