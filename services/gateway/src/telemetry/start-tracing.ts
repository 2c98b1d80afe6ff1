/**
 * @module Loads OpenTelemetry only when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT): its exporter modules cost
 * RSS that a gateway with tracing off should not carry.
 */
import type { Tracing } from '@infergate/telemetry'
import type { GatewayConfig } from '../config.ts'
import type { RequestTracer } from './request-tracing.ts'

export interface ConfiguredTracing {
  tracing: Tracing
  tracer: RequestTracer
}

/** The tracer the config asks for, or undefined when tracing is off. */
export async function startConfiguredTracing(config: GatewayConfig): Promise<ConfiguredTracing | undefined> {
  if (!config.tracing) return undefined
  const [{ startTracing }, { createRequestTracer }] = await Promise.all([
    import('@infergate/telemetry'),
    import('./request-tracing.ts'),
  ])
  const tracing = startTracing({
    serviceName: config.tracing.serviceName,
    endpoint: config.tracing.endpoint,
    protocol: config.tracing.protocol,
    serviceVersion: '0.1.0',
  })
  return {
    tracing,
    tracer: createRequestTracer(tracing, {
      sampleRatio: config.tracing.sampleRatio,
      slowMs: config.tracing.slowMs,
    }),
  }
}
