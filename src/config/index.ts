export { ConfigError, formatIssues, formatPath } from './errors.js';
export * from './schema.js';
export { loadConfig, parseConfig, configHash, type ConfigOverrides } from './load.js';
