/**
 * @module Spans for one gateway request, after the OpenTelemetry GenAI conventions: a server span named
 * "{operation} {model}" and a client span per upstream attempt, whose id is the parent vLLM sees in `traceparent`.
 * A request only records plain values while it runs; the spans are built when it ends, and only for a trace that is
 * kept (its trace id falls in the sampling ratio, it failed, or it was slow). A dropped trace costs no span at all.
 */
import type { FinishedSpan, Tracing } from '@infergate/telemetry'
import { traceFraction } from '@infergate/telemetry/trace-fraction'
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { parseTraceparent, randomHex } from '../core/trace-context.ts'
import type { Endpoint, ForwardOutcome } from '../proxy/forward.ts'

const OPERATION: Record<Endpoint, string> = {
  chat: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
}
const UPSTREAM_PATH: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
}

export interface UpstreamSpan {
  traceparent: string
  end(status: number | undefined, error?: string): void
}

export interface RequestTrace {
  traceId: string
  startUpstream(upstreamUrl: string, attempt: number): UpstreamSpan
  end(outcome: ForwardOutcome): void
  fail(status: number, message: string): void
}

export interface RequestTraceStart {
  endpoint: Endpoint
  route: string
  requestId: string
  body: Record<string, unknown>
  /** The client's traceparent header, if any: our server span continues its trace. */
  incoming: string | undefined
  /**
   * This hop's trace context as request-context formatted it (`00-{trace id}-{span id}-{flags}`): its trace id is
   * the trace's, its span id becomes the first upstream attempt's, so an unsampled request draws no new id.
   */
  traceparent: string
  /** performance.now() at arrival. */
  startedAt: number
}

export interface RequestTracer {
  start(request: RequestTraceStart): RequestTrace
}

const toEpochMs = (performanceMs: number) => performance.timeOrigin + performanceMs

/** server.address and server.port of an upstream base URL; the few configured upstreams are parsed once each. */
const serverOf = (() => {
  const parsed = new Map<string, { address: string; port: number }>()
  return (upstreamUrl: string) => {
    let server = parsed.get(upstreamUrl)
    if (server === undefined) {
      const url = new URL(upstreamUrl)
      server = { address: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) }
      if (parsed.size < 1_000) parsed.set(upstreamUrl, server)
    }
    return server
  }
})()
const numeric = (value: unknown) => (typeof value === 'number' ? value : undefined)

interface Attempt {
  spanId: string
  url: string
  attempt: number
  startEpoch: number
  endEpoch: number | undefined
  status: number | undefined
  error: string | undefined
}

interface Ending {
  endEpoch: number
  /** Adds the outcome's attributes to the server span's. */
  describe(attributes: Attributes): void
  /** Set for a failed request or stream: the trace is always kept. */
  error: string | undefined
  ttftMs: number | undefined
}

export interface RequestTracerOptions {
  /** Fraction of ordinary traces kept (OTEL_TRACES_SAMPLER_ARG). */
  sampleRatio: number
  /** A request at least this long is always kept (TRACE_SLOW_MS). */
  slowMs: number
}

export function createRequestTracer(
  tracing: Pick<Tracing, 'record'>,
  options: RequestTracerOptions,
): RequestTracer {
  return {
    start({ endpoint, route, requestId, body, incoming, traceparent, startedAt }) {
      const parent = incoming === undefined ? undefined : parseTraceparent(incoming)
      const traceId = traceparent.slice(3, 35)
      const firstAttemptSpanId = traceparent.slice(36, 52)
      const sampled = traceFraction(traceId) < options.sampleRatio
      const startEpoch = toEpochMs(startedAt)
      const attempts: Attempt[] = []
      let ended = false

      // Spans are built with object literals and plain assignments, no spreads: a busy gateway builds one pair per
      // kept request, and copying properties through a spread was a fifth of the cost of a kept trace.
      const replay = (ending: Ending) => {
        // Only a kept trace needs its server span's id: nothing outside this process has seen it.
        const serverSpanId = randomHex(8)
        const operation = OPERATION[endpoint]
        const model = String(body.model)
        const attributes: Attributes = {
          'gen_ai.operation.name': operation,
          'gen_ai.provider.name': 'vllm',
          'gen_ai.request.model': model,
          'http.route': route,
          'infergate.request_id': requestId,
          'infergate.stream': body.stream === true,
        }
        ending.describe(attributes)
        const maxTokens = numeric(body.max_completion_tokens ?? body.max_tokens)
        if (maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = maxTokens
        const temperature = numeric(body.temperature)
        if (temperature !== undefined) attributes['gen_ai.request.temperature'] = temperature
        const topP = numeric(body.top_p)
        if (topP !== undefined) attributes['gen_ai.request.top_p'] = topP
        const server: FinishedSpan = {
          traceId,
          spanId: serverSpanId,
          parent: parent ? { spanId: parent.spanId, isRemote: true, sampled: parent.sampled } : undefined,
          name: `${operation} ${model}`,
          kind: SpanKind.SERVER,
          startMs: startEpoch,
          endMs: ending.endEpoch,
          attributes,
          events:
            ending.ttftMs === undefined
              ? undefined
              : [
                  {
                    name: 'gen_ai.first_token',
                    atMs: startEpoch + ending.ttftMs,
                    attributes: { 'gen_ai.server.time_to_first_token': ending.ttftMs / 1000 },
                  },
                ],
          status:
            ending.error === undefined ? undefined : { code: SpanStatusCode.ERROR, message: ending.error },
        }
        const spans: FinishedSpan[] = [server]
        for (const attempt of attempts) {
          const address = serverOf(attempt.url)
          const failed =
            attempt.error !== undefined || (attempt.status !== undefined && attempt.status >= 500)
          const clientAttributes: Attributes = {
            'gen_ai.operation.name': operation,
            'gen_ai.request.model': model,
            'server.address': address.address,
            'server.port': address.port,
            'url.full': attempt.url + UPSTREAM_PATH[endpoint],
            'http.request.method': 'POST',
            'http.request.resend_count': attempt.attempt - 1,
          }
          if (attempt.status !== undefined) clientAttributes['http.response.status_code'] = attempt.status
          spans.push({
            traceId,
            spanId: attempt.spanId,
            parent: { spanId: serverSpanId, isRemote: false, sampled: true },
            name: `POST ${UPSTREAM_PATH[endpoint]}`,
            kind: SpanKind.CLIENT,
            startMs: attempt.startEpoch,
            endMs: attempt.endEpoch ?? ending.endEpoch,
            attributes: clientAttributes,
            events: undefined,
            status: failed
              ? { code: SpanStatusCode.ERROR, message: attempt.error ?? `HTTP ${attempt.status}` }
              : undefined,
          })
        }
        tracing.record(spans)
      }

      /** Builds the ending (attributes and all) only for a trace that is kept: most are not. */
      const finish = (
        error: string | undefined,
        ttftMs: number | undefined,
        describe: (attributes: Attributes) => void,
      ) => {
        if (ended) return
        ended = true
        const endEpoch = toEpochMs(performance.now())
        const failedUpstream = attempts.some(
          (attempt) => attempt.error !== undefined || (attempt.status !== undefined && attempt.status >= 500),
        )
        const keep =
          sampled || error !== undefined || failedUpstream || endEpoch - startEpoch >= options.slowMs
        if (keep) replay({ endEpoch, describe, error, ttftMs })
      }

      return {
        traceId,
        startUpstream(upstreamUrl, attempt) {
          const record: Attempt = {
            spanId: attempts.length === 0 ? firstAttemptSpanId : randomHex(8),
            url: upstreamUrl,
            attempt,
            startEpoch: toEpochMs(performance.now()),
            endEpoch: undefined,
            status: undefined,
            error: undefined,
          }
          attempts.push(record)
          return {
            traceparent: `00-${traceId}-${record.spanId}-${sampled ? '01' : '00'}`,
            end(status, error) {
              record.endEpoch = toEpochMs(performance.now())
              record.status = status
              record.error = error
            },
          }
        },
        end(outcome) {
          const streamFailed = outcome.streamOutcome !== undefined && outcome.streamOutcome !== 'completed'
          const error =
            streamFailed && outcome.streamOutcome !== 'client_aborted'
              ? `stream ended: ${outcome.streamOutcome}`
              : undefined
          finish(error, outcome.ttftMs, (attributes) => {
            attributes['gen_ai.response.model'] = outcome.model
            attributes['http.response.status_code'] = outcome.status
            if (outcome.usage) {
              attributes['gen_ai.usage.input_tokens'] = outcome.usage.prompt_tokens
              attributes['gen_ai.usage.output_tokens'] = outcome.usage.completion_tokens
            }
            if (outcome.finishReasons.length > 0)
              attributes['gen_ai.response.finish_reasons'] = outcome.finishReasons
            if (streamFailed) attributes['infergate.stream.outcome'] = outcome.streamOutcome
          })
        },
        fail(status, message) {
          finish(status >= 500 ? message : undefined, undefined, (attributes) => {
            attributes['http.response.status_code'] = status
            if (status < 500) attributes['error.type'] = String(status)
          })
        },
      }
    },
  }
}
