export { ConfigError, formatIssues, formatPath } from './errors.js';
export { type ConfigOverrides, configHash, loadConfig, parseConfig, readConfigFile } from './load.js';
export * from './schema.js';
