/**
 * @module Spans for one gateway request, after the OpenTelemetry GenAI conventions: a server span named
 * "{operation} {model}" and a client span per upstream attempt, whose id is the parent vLLM sees in `traceparent`.
 */
import {
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { parseTraceparent } from '../core/trace-context.ts'
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
  /** performance.now() at arrival. */
  startedAt: number
}

export interface RequestTracer {
  start(request: RequestTraceStart): RequestTrace
}

const toEpochMs = (performanceMs: number) => performance.timeOrigin + performanceMs
const traceparentOf = (span: Span) => {
  const context = span.spanContext()
  return `00-${context.traceId}-${context.spanId}-0${context.traceFlags & TraceFlags.SAMPLED}`
}

const numeric = (value: unknown) => (typeof value === 'number' ? value : undefined)

export function createRequestTracer(tracer: Tracer): RequestTracer {
  return {
    start({ endpoint, route, requestId, body, incoming, startedAt }) {
      const parent = parseTraceparent(incoming)
      const parentContext = parent
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
            isRemote: true,
          })
        : ROOT_CONTEXT
      const operation = OPERATION[endpoint]
      const model = String(body.model)
      const attributes: Record<string, string | number | boolean> = {
        'gen_ai.operation.name': operation,
        'gen_ai.provider.name': 'vllm',
        'gen_ai.request.model': model,
        'http.route': route,
        'infergate.request_id': requestId,
        'infergate.stream': body.stream === true,
      }
      for (const [attribute, field] of [
        ['gen_ai.request.max_tokens', body.max_completion_tokens ?? body.max_tokens],
        ['gen_ai.request.temperature', body.temperature],
        ['gen_ai.request.top_p', body.top_p],
      ] as const) {
        const value = numeric(field)
        if (value !== undefined) attributes[attribute] = value
      }
      const startEpoch = toEpochMs(startedAt)
      const span = tracer.startSpan(
        `${operation} ${model}`,
        { kind: SpanKind.SERVER, attributes, startTime: startEpoch },
        parentContext,
      )
      const spanContext = trace.setSpan(parentContext, span)
      let ended = false

      return {
        traceId: span.spanContext().traceId,
        startUpstream(upstreamUrl, attempt) {
          const url = new URL(upstreamUrl)
          const child = tracer.startSpan(
            `POST ${UPSTREAM_PATH[endpoint]}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                'gen_ai.operation.name': operation,
                'gen_ai.request.model': model,
                'server.address': url.hostname,
                'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
                'url.full': upstreamUrl + UPSTREAM_PATH[endpoint],
                'http.request.method': 'POST',
                'http.request.resend_count': attempt - 1,
              },
            },
            spanContext,
          )
          return {
            traceparent: traceparentOf(child),
            end(status, error) {
              if (status !== undefined) child.setAttribute('http.response.status_code', status)
              if (error !== undefined || (status !== undefined && status >= 500)) {
                child.setStatus({ code: SpanStatusCode.ERROR, message: error ?? `HTTP ${status}` })
              }
              child.end()
            },
          }
        },
        end(outcome) {
          if (ended) return
          ended = true
          span.setAttribute('gen_ai.response.model', outcome.model)
          if (outcome.usage) {
            span.setAttribute('gen_ai.usage.input_tokens', outcome.usage.prompt_tokens)
            span.setAttribute('gen_ai.usage.output_tokens', outcome.usage.completion_tokens)
          }
          if (outcome.finishReasons.length > 0)
            span.setAttribute('gen_ai.response.finish_reasons', outcome.finishReasons)
          if (outcome.ttftMs !== undefined) {
            span.addEvent(
              'gen_ai.first_token',
              { 'gen_ai.server.time_to_first_token': outcome.ttftMs / 1000 },
              startEpoch + outcome.ttftMs,
            )
          }
          if (outcome.streamOutcome && outcome.streamOutcome !== 'completed') {
            span.setAttribute('infergate.stream.outcome', outcome.streamOutcome)
            if (outcome.streamOutcome !== 'client_aborted') {
              span.setStatus({
                code: SpanStatusCode.ERROR,
                message: `stream ended: ${outcome.streamOutcome}`,
              })
            }
          }
          span.setAttribute('http.response.status_code', outcome.status)
          span.end()
        },
        fail(status, message) {
          if (ended) return
          ended = true
          span.setAttribute('http.response.status_code', status)
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message })
          else span.setAttribute('error.type', String(status))
          span.end()
        },
      }
    },
  }
}
