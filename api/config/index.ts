/** The config module's public surface: load, validate, diff. */
export {
  backendsToRestart,
  type ConfigDiff,
  diffConfig,
  isEmptyDiff,
  type NamedDiff,
  type SectionDiff,
} from "./diff.js";
export { type DurationError, formatDuration, parseDuration } from "./duration.js";
export { ConfigError, type ConfigErrorCode, type ConfigIssue, formatIssue, formatPath } from "./issue.js";
export {
  defaultConfig,
  type LoadOptions,
  loadConfigFile,
  parseConfigText,
  readConfigFile,
} from "./loader.js";
export { type ListenAddress, parseListenAddress } from "./primitives.js";
export { type Config, ConfigSchema, SECTION_NAMES, type SectionName } from "./schema.js";
export { DEFAULT_API_LISTEN, DEFAULT_API_PORT, DEFAULT_BODY_LIMIT } from "./sections/api.js";
export { defaultRules, type SemanticRule, validateSemantics } from "./semantics.js";
