/**
 * @module Trace export over OTLP/HTTP for our services. Auto-instrumentation produces no span under Bun, and a
 * request's spans are only worth building once it is over and known to be kept (errors, slow ones, a sampled share,
 * decided by the caller): so spans are recorded finished, batched, encoded a batch at a time (OTLP/protobuf, the
 * protocol's default, or OTLP/JSON when OTEL_EXPORTER_OTLP_PROTOCOL asks for it), and sent by the same export delegate as OpenTelemetry's OTLP/HTTP exporter (node:http with a keep-alive agent, retries with
 * backoff, timeouts, and every OTEL_EXPORTER_OTLP_* setting: headers, TLS certificates, gzip).
 * (Its fetch transport was tried: it opens a new connection for every batch over 60 KiB and ignores the TLS and
 * compression settings.) Nothing is registered globally, so several services or tests share a process safely.
 */
import { ExportResultCode } from '@opentelemetry/core'
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { createExportQueue } from './export-queue.ts'
import { encodeSpan, exportRequestFrame, type FinishedSpan, type OtlpScope } from './otlp-json.ts'
import { createProtobufEncoder } from './otlp-protobuf.ts'

export type { FinishedSpan } from './otlp-json.ts'

/** OTLP/HTTP's two encodings, by their OTEL_EXPORTER_OTLP_PROTOCOL names (gRPC is not offered). */
export type OtlpHttpProtocol = 'http/protobuf' | 'http/json'

export interface TracingOptions {
  serviceName: string
  serviceVersion?: string
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `${endpoint}/v1/traces`. */
  endpoint: string
  /** Default 'http/protobuf', as in the OpenTelemetry specification: under half the bytes of JSON, faster to write. */
  protocol?: OtlpHttpProtocol
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
 * How a batch of spans becomes a request body. Spans wait for their batch as objects and are encoded when it leaves:
 * encoding each request's spans as it ended cost a busy gateway more (a byte array or string per request to allocate
 * and hold).
 */
interface Encoding {
  contentType: string
  serializeRequest(spans: readonly FinishedSpan[]): Uint8Array
  deserializeResponse(data: Uint8Array): unknown
}

function protobufEncoding(resource: Record<string, string>, scope: OtlpScope): Encoding {
  return {
    contentType: 'application/x-protobuf',
    serializeRequest: createProtobufEncoder(resource, scope),
    // A partial success (spans the collector rejected) is logged by the delegate; decoding it is the library's.
    deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
  }
}

function jsonEncoding(resource: Record<string, string>, scope: OtlpScope): Encoding {
  const { head, tail } = exportRequestFrame(resource, scope)
  return {
    contentType: 'application/json',
    serializeRequest(spans) {
      let json = head
      for (let index = 0; index < spans.length; index++)
        json += (index === 0 ? '' : ',') + encodeSpan(spans[index] as FinishedSpan)
      return Buffer.from(json + tail)
    },
    deserializeResponse: (data) => (data.length === 0 ? {} : JSON.parse(Buffer.from(data).toString())),
  }
}

/**
 * @example
 * const tracing = startTracing({ serviceName: 'gateway', endpoint: 'http://jaeger:4318' })
 * tracing.record([{ traceId, spanId, name: 'chat gpt-oss-20b', kind: SpanKind.SERVER, startMs, endMs, attributes }])
 */
export function startTracing(options: TracingOptions): Tracing {
  const resource = {
    'service.name': options.serviceName,
    ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
  }
  const scope = { name: options.serviceName, version: options.serviceVersion }
  const { contentType, serializeRequest, deserializeResponse } =
    options.protocol === 'http/json' ? jsonEncoding(resource, scope) : protobufEncoding(resource, scope)
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': contentType }),
    { serializeRequest, deserializeResponse },
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
