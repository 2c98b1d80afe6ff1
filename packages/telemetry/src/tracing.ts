/**
 * @module Trace export over OTLP/HTTP for our services. Auto-instrumentation produces no span under Bun, and a
 * request's spans are only worth building once it is over and known to be kept (errors, slow ones, a sampled share,
 * decided by the caller): so spans are recorded finished, batched (OTLP/protobuf, the protocol's default, encoded as
 * they are recorded; OTLP/JSON, when OTEL_EXPORTER_OTLP_PROTOCOL asks for it, a batch at a time), and sent through
 * OpenTelemetry's export delegate with its configuration (every OTEL_EXPORTER_OTLP_* setting: headers, timeout,
 * gzip, TLS certificates): over fetch to an http:// collector (fetch-transport.ts), over its own node:http
 * transport to an https:// one. Nothing is registered globally, so several services or tests share a process safely.
 */
import { ExportResultCode } from '@opentelemetry/core'
import { createOtlpNetworkExportDelegate } from '@opentelemetry/otlp-exporter-base'
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
  createOtlpHttpExporterMetrics,
} from '@opentelemetry/otlp-exporter-base/node-http'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { arrayStore, type BatchStore, createExportQueue } from './export-queue.ts'
import { createFetchTransport, withRetries } from './fetch-transport.ts'
import { encodeSpan, exportRequestFrame, type FinishedSpan, type OtlpScope } from './otlp-json.ts'
import { createEncodedSpanStore, type EncodedBatch } from './otlp-protobuf.ts'

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
  /**
   * Queues finished spans (one request's) for export; never blocks. Past the queue's bound (1024 requests' spans) they
   * are dropped and counted as one drop.
   */
  record(spans: readonly FinishedSpan[]): void
  /** Exports what is queued (e.g. before a test asserts, or at shutdown). */
  flush(): Promise<void>
  shutdown(): Promise<void>
  readonly stats: { readonly dropped: number; readonly failedBatches: number; readonly waiting: number }
}

/**
 * How recorded spans wait for their batch and become a request body. Protobuf encodes each request's spans when
 * they are recorded, into one buffer (otlp-protobuf.ts says why); JSON keeps them as objects until the batch leaves,
 * since a string per request, encoded as it ended, cost a busy gateway more than one loop over the batch.
 */
interface Encoding<Batch> {
  contentType: string
  /** Requests' span groups a batch: JSON text for 256 requests cost 2.5× more per request than for 64. */
  maxBatch: number
  store: BatchStore<readonly FinishedSpan[], Batch>
  serializeRequest(batch: Batch): Uint8Array
  countSpans(batch: Batch): number
  deserializeResponse(data: Uint8Array): unknown
}

function protobufEncoding(resource: Record<string, string>, scope: OtlpScope): Encoding<EncodedBatch> {
  return {
    contentType: 'application/x-protobuf',
    maxBatch: 256,
    store: createEncodedSpanStore(resource, scope),
    serializeRequest: (batch) => batch.request,
    countSpans: (batch) => batch.spans,
    // A partial success (spans the collector rejected) is logged by the delegate; decoding it is the library's.
    deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
  }
}

function jsonEncoding(
  resource: Record<string, string>,
  scope: OtlpScope,
): Encoding<(readonly FinishedSpan[])[]> {
  const { head, tail } = exportRequestFrame(resource, scope)
  return {
    contentType: 'application/json',
    maxBatch: 64,
    store: arrayStore(),
    serializeRequest(batch) {
      let json = head
      let first = true
      for (const spans of batch) {
        for (const span of spans) {
          json += (first ? '' : ',') + encodeSpan(span)
          first = false
        }
      }
      return Buffer.from(json + tail)
    },
    countSpans: (batch) => batch.reduce((total, spans) => total + spans.length, 0),
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
  return options.protocol === 'http/json'
    ? startExport(options, jsonEncoding(resource, scope))
    : startExport(options, protobufEncoding(resource, scope))
}

function startExport<Batch>(options: TracingOptions, encoding: Encoding<Batch>): Tracing {
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`
  const config = convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', {
    'Content-Type': encoding.contentType,
  })
  const serializer = {
    serializeRequest: encoding.serializeRequest,
    deserializeResponse: encoding.deserializeResponse,
  }
  const counter = { name: 'span' as const, countItems: encoding.countSpans }
  // Plain http:// goes over fetch (fetch-transport.ts says why); https:// keeps OpenTelemetry's transport and its TLS
  // settings.
  const delegate =
    new URL(config.url).protocol === 'http:'
      ? createOtlpNetworkExportDelegate(
          config,
          serializer,
          createOtlpHttpExporterMetrics('otlp_http_span_exporter', counter, config.url, undefined),
          withRetries(
            createFetchTransport({
              url: config.url,
              headers: config.headers,
              compression: config.compression === 'gzip' ? 'gzip' : 'none',
            }),
          ),
        )
      : createOtlpHttpExportDelegate(config, serializer, 'otlp_http_span_exporter', counter, undefined)
  // Items are a request's spans (usually a server and a client span), 1024 requests' waiting at most.
  const queue = createExportQueue<readonly FinishedSpan[], Batch>({
    store: encoding.store,
    maxBatch: encoding.maxBatch,
    maxQueue: 1024,
    delayMs: options.batchDelayMs ?? 1000,
    send: (batch) =>
      new Promise((resolve, reject) =>
        delegate.export(batch, (result) =>
          result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error),
        ),
      ),
  })
  let unencodable = 0
  return {
    record(spans) {
      if (spans.length === 0) return
      try {
        queue.push(spans)
      } catch {
        // A span the encoder cannot write is dropped here, never thrown into the request that recorded it.
        unencodable++
      }
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
    stats: {
      get dropped() {
        return queue.stats.dropped + unencodable
      },
      get failedBatches() {
        return queue.stats.failedBatches
      },
      get waiting() {
        return queue.stats.waiting
      },
    },
  }
}
