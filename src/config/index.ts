// Public API of the configuration: load/resolve the YAML config into a typed Config. See docs/configuration.md.
export { ConfigError, CONFIG_ERROR_CODES } from "./config-error.js";
export type { ConfigErrorCode, ConfigIssue } from "./config-error.js";
export type * from "./config.types.js";
export { ENV_VARS } from "./env-overrides.js";
export { loadConfig } from "./load-config.js";
export type { LoadConfigOptions } from "./load-config.js";
export { resolveConfig } from "./resolve-config.js";
