/** @module JSON-lines logger shared by every service, with secrets redacted by field path. */
import pino, { type DestinationStream, type Logger } from 'pino'
import { REDACTED } from './redact.ts'

export type { Logger }

/**
 * Paths whose values never reach a log line. Wildcards cover one level of nesting, so the usual places a
 * request, a config dump or an error carries a credential are all listed.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'apiKey',
  'api_key',
  'password',
  'token',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.authorization',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.token',
  '*.secret',
  '*["x-api-key"]',
  '*.VLLM_API_KEY',
  '*.GATEWAY_API_KEYS',
  '*.ADMIN_API_KEY',
  '*.HF_TOKEN',
]

export interface LoggerOptions {
  /** The `service` field of every line, a Loki label. */
  service: string
  level?: pino.LevelWithSilent
  /** Where lines go; stdout when absent. Tests pass a stream to read lines back. */
  destination?: DestinationStream
  /** Extra paths to redact, added to REDACTED_PATHS. */
  redact?: readonly string[]
}

/**
 * Creates a JSON logger: one object per line, `level` as a name (Loki labels read names, not numbers),
 * `time` as ISO-8601.
 * @example const log = createLogger({ service: 'gateway' }); log.info({ requestId }, 'request done')
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS, ...(options.redact ?? [])], censor: REDACTED },
    },
    options.destination,
  )
}
