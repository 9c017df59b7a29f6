export { ConfigError, formatIssues, formatPath } from './errors.js';
export * from './schema.js';
export { loadConfig, parseConfig, readConfigFile, configHash, type ConfigOverrides } from './load.js';
