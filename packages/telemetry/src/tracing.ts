/**
 * @module Trace export over OTLP/HTTP for our services. Spans are created explicitly (auto-instrumentation produces
 * none under Bun); the provider is not registered globally, so several services or tests share a process safely.
 */
import type { Tracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
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

export interface Tracing {
  tracer: Tracer
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
  const provider = new TracerProvider({
    idGenerator,
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
    }),
    // Every span is recorded; the tail processor decides what leaves the process.
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      createTailKeepProcessor(new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 }), {
        ratio: options.sampleRatio,
        slowMs: options.slowMs,
      }),
    ],
  })
  return {
    tracer: provider.getTracer(options.serviceName, options.serviceVersion),
    presetIds: (ids) => idGenerator.preset(ids),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  }
}
