export { createLogger, type Logger, type LoggerOptions, REDACTED_PATHS } from './logger.ts'
export { REDACTED, redactSecret, redactUrl } from './redact.ts'
