/**
 * @module Trace export over OTLP/HTTP for our services. Auto-instrumentation produces no span under Bun, and a
 * request's spans are only worth building once it is over and known to be kept (errors, slow ones, a sampled share,
 * decided by the caller): so spans are recorded finished, batched, encoded to OTLP/JSON a batch at a time, and sent
 * by the same export delegate as OpenTelemetry's OTLP/HTTP exporter (node:http with a keep-alive agent, retries with
 * backoff, timeouts, and every OTEL_EXPORTER_OTLP_* setting: headers, TLS certificates, gzip).
 * (Its fetch transport was tried: it opens a new connection for every batch over 60 KiB and ignores the TLS and
 * compression settings.) Nothing is registered globally, so several services or tests share a process safely.
 */
import { ExportResultCode } from '@opentelemetry/core'
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http'
import { createExportQueue } from './export-queue.ts'
import { encodeSpan, exportRequestFrame, type FinishedSpan } from './otlp-json.ts'

export type { FinishedSpan } from './otlp-json.ts'

export interface TracingOptions {
  serviceName: string
  serviceVersion?: string
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `${endpoint}/v1/traces`. */
  endpoint: string
  /** How long a span may wait for a batch to fill (ms). */
  batchDelayMs?: number
  /**
   * The longest `shutdown` waits for queued spans to leave (ms, default 5000): with the collector down, each batch
   * would otherwise spend its whole retry budget and hold up the process's exit.
   */
  shutdownTimeoutMs?: number
}

export interface Tracing {
  /** Queues finished spans for export; never blocks, drops (and counts) spans past the queue's bound. */
  record(spans: readonly FinishedSpan[]): void
  /** Exports what is queued (e.g. before a test asserts, or at shutdown). */
  flush(): Promise<void>
  shutdown(): Promise<void>
  readonly stats: { readonly dropped: number; readonly failedBatches: number; readonly waiting: number }
}

const SPAN_COUNTER = { name: 'span', countItems: (spans: readonly FinishedSpan[]) => spans.length } as const

/**
 * @example
 * const tracing = startTracing({ serviceName: 'gateway', endpoint: 'http://jaeger:4318' })
 * tracing.record([{ traceId, spanId, name: 'chat gpt-oss-20b', kind: SpanKind.SERVER, startMs, endMs, attributes }])
 */
export function startTracing(options: TracingOptions): Tracing {
  const { head, tail } = exportRequestFrame(
    {
      'service.name': options.serviceName,
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
    },
    { name: options.serviceName, version: options.serviceVersion },
  )
  // Encoding a whole batch in one loop, at export time, cost a busy gateway less than encoding each span as it ends.
  const encodeBatch = (spans: readonly FinishedSpan[]): string => {
    let json = head
    for (let index = 0; index < spans.length; index++)
      json += (index === 0 ? '' : ',') + encodeSpan(spans[index] as FinishedSpan)
    return json + tail
  }
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/json' }),
    {
      serializeRequest: (spans: readonly FinishedSpan[]) => Buffer.from(encodeBatch(spans)),
      deserializeResponse: (data: Uint8Array) =>
        data.length === 0 ? {} : JSON.parse(Buffer.from(data).toString()),
    },
    'otlp_http_span_exporter',
    SPAN_COUNTER,
    undefined,
  )
  const queue = createExportQueue<FinishedSpan>({
    delayMs: options.batchDelayMs ?? 1000,
    send: (spans) =>
      new Promise((resolve, reject) =>
        delegate.export(spans, (result) =>
          result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error),
        ),
      ),
  })
  return {
    record(spans) {
      for (const span of spans) queue.push(span)
    },
    flush: () => queue.flush(),
    async shutdown() {
      let timer: ReturnType<typeof setTimeout> | undefined
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.shutdownTimeoutMs ?? 5000)
        timer.unref?.()
      })
      const closed = (async () => {
        await queue.close()
        await delegate.shutdown()
      })().catch(() => {})
      await Promise.race([closed, gaveUp])
      clearTimeout(timer)
    },
    stats: queue.stats,
  }
}
