export { ConfigError } from './config-error.ts'
export * as field from './fields.ts'
export { type EnvSource, type Field, type FieldValue, parseEnv } from './parse-env.ts'
