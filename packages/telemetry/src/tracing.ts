/**
 * @module Trace export over OTLP/HTTP for our services. Auto-instrumentation produces no span under Bun, and a
 * request's spans are only worth building once it is over and known to be kept (errors, slow ones, a sampled share,
 * decided by the caller): so spans are recorded finished, with their ids, times and attributes, and leave through
 * OpenTelemetry's batching processor and OTLP exporter (batching, retries, encoding). Nothing is registered
 * globally, so several services or tests share a process safely.
 */
import type { Attributes, HrTime, SpanKind, SpanStatus } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace'

export interface TracingOptions {
  serviceName: string
  serviceVersion?: string
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `${endpoint}/v1/traces`. */
  endpoint: string
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter
}

/**
 * A span recorded after the fact, with every id, time and attribute already decided: a request's spans built when it
 * ends, once it is known to be kept. Times are epoch milliseconds.
 */
export interface FinishedSpan {
  traceId: string
  spanId: string
  /** The parent span; `isRemote` when it lives in another process (the client's traceparent). */
  parent?: { spanId: string; isRemote: boolean; sampled: boolean }
  name: string
  kind: SpanKind
  startMs: number
  endMs: number
  attributes: Attributes
  events?: { name: string; atMs: number; attributes?: Attributes }[]
  status?: SpanStatus
}

export interface Tracing {
  /**
   * Exports finished spans through OpenTelemetry's batching processor and OTLP exporter, without the SDK's live-span
   * machinery (context, sampler, attribute checks, start hooks), which cost a kept request's two spans ~3x more.
   */
  record(spans: readonly FinishedSpan[]): void
  /** Exports what is buffered (e.g. before a test asserts, or at shutdown). */
  flush(): Promise<void>
  shutdown(): Promise<void>
}

/**
 * @example
 * const tracing = startTracing({ serviceName: 'gateway', endpoint: 'http://jaeger:4318' })
 * tracing.record([{ traceId, spanId, name: 'chat gpt-oss-20b', kind: SpanKind.SERVER, startMs, endMs, attributes }])
 */
export function startTracing(options: TracingOptions): Tracing {
  const exporter =
    options.exporter ?? new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` })
  const resource = resourceFromAttributes({
    'service.name': options.serviceName,
    ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
  })
  const batch = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })
  const scope = { name: options.serviceName, version: options.serviceVersion }
  return {
    record(spans) {
      for (const span of spans) batch.onEnd(readableSpan(span, resource, scope))
    },
    flush: () => batch.forceFlush(),
    shutdown: () => batch.shutdown(),
  }
}

const hrTime = (epochMs: number): HrTime => {
  const seconds = Math.floor(epochMs / 1000)
  return [seconds, Math.min(999_999_999, Math.round((epochMs - seconds * 1000) * 1e6))]
}

function readableSpan(
  span: FinishedSpan,
  resource: ReadableSpan['resource'],
  instrumentationScope: ReadableSpan['instrumentationScope'],
): ReadableSpan {
  const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: 1 }
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    parentSpanContext: span.parent && {
      traceId: span.traceId,
      spanId: span.parent.spanId,
      traceFlags: span.parent.sampled ? 1 : 0,
      isRemote: span.parent.isRemote,
    },
    startTime: hrTime(span.startMs),
    endTime: hrTime(span.endMs),
    duration: hrTime(Math.max(0, span.endMs - span.startMs)),
    status: span.status ?? { code: 0 },
    attributes: span.attributes,
    links: [],
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      time: hrTime(event.atMs),
      attributes: event.attributes ?? {},
      droppedAttributesCount: 0,
    })),
    ended: true,
    resource,
    instrumentationScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  }
}
