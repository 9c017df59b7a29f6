export { SGD, type SGDOptions, type ParamGroup, type ModelSGDOptions } from './sgd.js';
export { PolySchedule, type PolyScheduleOptions, type SchedulePhase, type PhaseSpan } from './schedule.js';
