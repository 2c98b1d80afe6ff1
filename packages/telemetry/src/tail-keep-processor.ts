/**
 * @module Decides per trace, once its local root span ends, whether to export it: a ratio of ordinary traces, and
 * always those with an error or a slow root. Head sampling cannot do this: at the start nobody knows how it ends.
 */
import { SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace'
import { traceFraction } from './trace-fraction.ts'

export interface TailKeepOptions {
  /** Fraction of ordinary traces kept, 0..1, decided from the trace id so every process agrees. */
  ratio: number
  /** A root span at least this long is always kept. */
  slowMs: number
  /** Traces buffered while waiting for their root; the oldest is dropped beyond it, bounding memory. */
  maxPendingTraces?: number
}

const durationMs = (span: ReadableSpan): number => span.duration[0] * 1000 + span.duration[1] / 1e6

/** A span whose parent is absent or remote (another process) is this process's root of the trace. */
const isLocalRoot = (span: ReadableSpan): boolean =>
  span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true

export function createTailKeepProcessor(next: SpanProcessor, options: TailKeepOptions): SpanProcessor {
  const maxPending = options.maxPendingTraces ?? 10_000
  const pending = new Map<string, ReadableSpan[]>()

  return {
    onStart(span, context) {
      next.onStart(span, context)
    },
    onEnd(span) {
      const traceId = span.spanContext().traceId
      const buffered = pending.get(traceId) ?? []
      buffered.push(span)
      if (!isLocalRoot(span)) {
        if (!pending.has(traceId)) {
          if (pending.size >= maxPending) pending.delete(pending.keys().next().value ?? '')
          pending.set(traceId, buffered)
        }
        return
      }
      pending.delete(traceId)
      const keep =
        traceFraction(traceId) < options.ratio ||
        buffered.some((item) => item.status.code === SpanStatusCode.ERROR) ||
        durationMs(span) >= options.slowMs
      if (keep) for (const item of buffered) next.onEnd(item)
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => {
      pending.clear()
      return next.shutdown()
    },
  }
}
