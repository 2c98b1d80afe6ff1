export { createLogger, type Logger, type LoggerOptions, REDACTED_FIELDS } from './logger.ts'
export { REDACTED, redactSecret, redactUrl } from './redact.ts'
