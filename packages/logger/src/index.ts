export {
  createLogger,
  flushLogger,
  type Logger,
  type LoggerOptions,
  logRecord,
  REDACTED_FIELDS,
} from './logger.ts'
export { REDACTED, redactSecret, redactUrl } from './redact.ts'
