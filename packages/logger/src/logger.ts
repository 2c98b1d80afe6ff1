/** @module JSON-lines logger shared by every service, with secrets redacted by field name. */
import { isMainThread } from 'node:worker_threads'
import pino, { type DestinationStream, type Logger } from 'pino'
import { createBatchedWriter } from './batched-stdout.ts'
import { REDACTED } from './redact.ts'

export type { Logger }

/**
 * Field names whose values never reach a log line, at any depth up to MAX_DEPTH (compared case-insensitively):
 * where a request, a config dump or an error carries a credential.
 */
export const REDACTED_FIELDS: readonly string[] = [
  'authorization',
  'x-api-key',
  'apikey',
  'api_key',
  'password',
  'token',
  'secret',
  'vllm_api_key',
  'gateway_api_keys',
  'admin_api_key',
  'hf_token',
]

/** Deep enough for `req.headers.authorization`; log objects are shallow, so the walk stays cheap. */
const MAX_DEPTH = 3

export interface LoggerOptions {
  /** The `service` field of every line, a Loki label. */
  service: string
  level?: pino.LevelWithSilent
  /** Where lines go; buffered stdout when absent (see `bufferedStdout`). Tests pass a stream to read lines back. */
  destination?: DestinationStream
  /** Extra field names to redact, added to REDACTED_FIELDS. */
  redact?: readonly string[]
  /**
   * Batch stdout writes (see `stdout`); the default on a main thread. Off wherever several threads write the
   * same stdout (GATEWAY_WORKERS): a pipe takes a write over 4 KiB in pieces, and another thread's line could land
   * inside a batch. A line written alone is atomic. Ignored when `destination` is given.
   */
  batched?: boolean
}

/** Log objects reuse a small set of field names: lower-case each once. Bounded, since a field name could be data. */
const lowered = new Map<string, string>()
function lowerCase(key: string): string {
  let lower = lowered.get(key)
  if (lower === undefined) {
    lower = key.toLowerCase()
    if (lowered.size < 10_000) lowered.set(key, lower)
  }
  return lower
}

/**
 * Returns `value` unchanged when it holds no secret field (the common case costs one walk, no copy), else a copy
 * with those fields replaced. pino's path-based `redact` cost ~35 µs a line with wildcard paths; this costs ~1 µs.
 */
function redactFields(
  value: Record<string, unknown>,
  names: ReadonlySet<string>,
  depth: number,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const key in value) {
    const field = value[key]
    let replacement: unknown = field
    if (names.has(lowerCase(key))) {
      if (field === undefined || field === null || field === '') continue
      replacement = REDACTED
    } else if (
      depth < MAX_DEPTH &&
      field !== null &&
      typeof field === 'object' &&
      !Array.isArray(field) &&
      !(field instanceof Error)
    ) {
      replacement = redactFields(field as Record<string, unknown>, names, depth + 1)
    }
    if (replacement !== field) {
      copy ??= { ...value }
      copy[key] = replacement
    }
  }
  return copy ?? value
}

/** Lines wait at most this long for company before they are written out. */
const FLUSH_EVERY_MS = 200
const BUFFER_BYTES = 8 * 1024

/** One stdout per process and mode, shared by every logger, so lines keep their order and exit flushes once. */
let batchedStdout: DestinationStream | undefined
let directStdout: DestinationStream | undefined

/**
 * Stdout written in batches: a gateway logs a line per request, and batching turns a write(2) per line into one per
 * 8 KiB. Lines go out when 8 KiB gathered or every 200 ms, and synchronously at exit; a SIGKILL can lose the last
 * 200 ms. A worker thread, which has no exit hook of its own, flushes with `flushLogger` before it stops.
 */
function stdout(batched: boolean): DestinationStream {
  if (!batched) {
    directStdout ??= pino.destination({ dest: 1, sync: true })
    return directStdout
  }
  if (batchedStdout === undefined) {
    const writer = createBatchedWriter({ fd: 1, minLength: BUFFER_BYTES, flushEveryMs: FLUSH_EVERY_MS })
    process.once('exit', () => writer.flushSync())
    batchedStdout = writer
  }
  return batchedStdout
}

/** Writes out, synchronously, whatever the logger still buffers. */
export function flushLogger(log: Logger): void {
  log.flush()
}

/**
 * Creates a JSON logger: one object per line, `level` as a name (Loki labels read names, not numbers),
 * `time` as ISO-8601.
 * @example const log = createLogger({ service: 'gateway' }); log.info({ requestId }, 'request done')
 */
export function createLogger(options: LoggerOptions): Logger {
  const names = new Set([...REDACTED_FIELDS, ...(options.redact ?? [])].map((name) => name.toLowerCase()))
  const destination = options.destination ?? stdout(options.batched ?? isMainThread)
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactFields(object, names, 1),
      },
    },
    destination,
  )
  const base = JSON.stringify({ service: options.service }).slice(1, -1)
  recordWriters.set(logger, { destination, base, names })
  return logger
}

interface RecordWriter {
  destination: DestinationStream
  /** The base fields, serialized once, without braces. */
  base: string
  names: ReadonlySet<string>
}
const recordWriters = new WeakMap<Logger, RecordWriter>()

/**
 * `log.info(fields, msg)` for the hottest line, one per request: the same line (level, time, service, the fields,
 * msg; secret fields redacted alike) serialized by one JSON.stringify instead of pino's walk field by field, which
 * cost ~9 µs of a ~45 µs request. A logger not made by createLogger (a child) takes pino's path.
 */
export function logRecord(log: Logger, fields: Record<string, unknown>, msg: string): void {
  const writer = recordWriters.get(log)
  if (writer === undefined) {
    log.info(fields, msg)
    return
  }
  if (!log.isLevelEnabled('info')) return
  const body = JSON.stringify(redactFields(fields, writer.names, 1))
  const separator = body.length > 2 ? ',' : ''
  writer.destination.write(
    `{"level":"info","time":"${new Date().toISOString()}",${writer.base}${separator}${body.slice(1, -1)},"msg":${JSON.stringify(msg)}}\n`,
  )
}
