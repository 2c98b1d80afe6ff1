/**
 * @module Trace export over OTLP/HTTP for our services. Spans are created explicitly (auto-instrumentation produces
 * none under Bun); the provider is not registered globally, so several services or tests share a process safely.
 */
import type { Attributes, HrTime, SpanKind, SpanStatus, Tracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { createPresetIdGenerator } from './preset-ids.ts'
import { createTailKeepProcessor } from './tail-keep-processor.ts'

export interface TracingOptions {
  serviceName: string
  serviceVersion?: string
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `${endpoint}/v1/traces`. */
  endpoint: string
  /** Fraction of ordinary traces exported; errors and slow ones always are. */
  sampleRatio: number
  slowMs: number
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
  tracer: Tracer
  /**
   * Exports finished spans through the same batching OTLP pipeline, skipping the SDK's live-span machinery
   * (context, sampler, attribute checks, span processors' start hooks): a kept request's two spans cost a third.
   * The caller has decided to keep them; the tail-keep decision does not apply.
   */
  record(spans: readonly FinishedSpan[]): void
  /** Sets the ids the next span (and, for a root, its trace) will get: for spans built after the fact. */
  presetIds(ids: { traceId?: string; spanId?: string }): void
  /** Exports what is buffered (e.g. before a test asserts, or at shutdown). */
  flush(): Promise<void>
  shutdown(): Promise<void>
}

/**
 * @example
 * const tracing = startTracing({ serviceName: 'gateway', endpoint: 'http://jaeger:4318', sampleRatio: 0.1, slowMs: 5000 })
 * const span = tracing.tracer.startSpan('chat gpt-oss-20b')
 */
export function startTracing(options: TracingOptions): Tracing {
  const exporter =
    options.exporter ?? new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` })
  const idGenerator = createPresetIdGenerator()
  const resource = resourceFromAttributes({
    'service.name': options.serviceName,
    ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
  })
  const batch = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })
  const provider = new TracerProvider({
    idGenerator,
    resource,
    // Every span is recorded; the tail processor decides what leaves the process.
    sampler: new AlwaysOnSampler(),
    spanProcessors: [createTailKeepProcessor(batch, { ratio: options.sampleRatio, slowMs: options.slowMs })],
  })
  const scope = { name: options.serviceName, version: options.serviceVersion }
  return {
    tracer: provider.getTracer(options.serviceName, options.serviceVersion),
    record(spans) {
      for (const span of spans) batch.onEnd(readableSpan(span, resource, scope))
    },
    presetIds: (ids) => idGenerator.preset(ids),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
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
