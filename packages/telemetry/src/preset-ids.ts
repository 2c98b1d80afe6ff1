/**
 * @module Span and trace ids chosen before the span exists. A request's spans are built after it ends (only when the
 * trace is kept), but the upstream already received its client span's id in `traceparent`: the replayed span must
 * carry that id, so the id generator hands out the preset one for the next span.
 */
import { type IdGenerator, RandomIdGenerator } from '@opentelemetry/sdk-trace'

export interface PresetIdGenerator extends IdGenerator {
  /** The ids the next root (trace id) and the next span (span id) receive; each preset is used once. */
  preset(ids: { traceId?: string; spanId?: string }): void
}

export function createPresetIdGenerator(): PresetIdGenerator {
  const random = new RandomIdGenerator()
  let traceId: string | undefined
  let spanId: string | undefined
  return {
    preset(ids) {
      traceId = ids.traceId
      spanId = ids.spanId
    },
    generateTraceId() {
      const id = traceId ?? random.generateTraceId()
      traceId = undefined
      return id
    },
    generateSpanId() {
      const id = spanId ?? random.generateSpanId()
      spanId = undefined
      return id
    },
  }
}
