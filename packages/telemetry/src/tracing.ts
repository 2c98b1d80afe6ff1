/**
 * @module Trace export over OTLP/HTTP for our services. Auto-instrumentation produces no span under Bun, and a
 * request's spans are only worth building once it is over and known to be kept (errors, slow ones, a sampled share,
 * decided by the caller): so spans are recorded finished, batched, encoded to OTLP/JSON a batch at a time, and sent
 * by OpenTelemetry's export delegate (its retries with backoff, timeouts, concurrency limit and exporter metrics),
 * configured like its OTLP/HTTP exporter (OTEL_EXPORTER_OTLP_* headers and timeout).
 * The delegate sends with `fetch`: under Bun, OpenTelemetry's node:http transport pipes each batch through a
 * Readable into a ClientRequest, which cost a busy gateway more CPU than one fetch of the whole body (BENCHMARKS.md).
 * Nothing is registered globally, so several services or tests share a process safely.
 */
import { ExportResultCode } from '@opentelemetry/core'
import { createOtlpSendBeaconExportDelegate } from '@opentelemetry/otlp-exporter-base/browser-http'
import {
  convertLegacyHttpOptions,
  createOtlpHttpExporterMetrics,
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
  const delegate = createOtlpSendBeaconExportDelegate(
    convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/json' }),
    {
      serializeRequest: (spans: readonly FinishedSpan[]) => Buffer.from(encodeBatch(spans)),
      deserializeResponse: (data: Uint8Array) =>
        data.length === 0 ? {} : JSON.parse(Buffer.from(data).toString()),
    },
    createOtlpHttpExporterMetrics('otlp_http_span_exporter', SPAN_COUNTER, url, undefined),
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
      await queue.close()
      await delegate.shutdown()
    },
    stats: queue.stats,
  }
}
