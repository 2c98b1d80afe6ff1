/** @module The one path every OpenAI route takes: drain check, in-flight accounting, forwarding, the request log line. */
import { type Logger, logRecord } from '@infergate/logger'
import type { KeyIdentity } from '../core/api-key.ts'
import type { ChunkInfo } from '../core/sse.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Lifecycle } from '../lifecycle.ts'
import type { RequestTracer } from '../telemetry/request-tracing.ts'
import type { Admission } from './admission.ts'
import type { Endpoint, Forwarder, ForwardOutcome } from './forward.ts'

export interface ProxyContext {
  route: string
  requestId: string
  /** Sent upstream when tracing is off: the client's trace (or a new one) with a span id of ours. */
  traceparent: string
  incomingTraceparent: string | undefined
  startedAt: number
  identity: KeyIdentity
  signal: AbortSignal | undefined
  /** The client's JSON text of the body, forwarded as it is when nothing in it changes. */
  rawBody?: string
}

export interface ProxyServiceOptions {
  forwarder: Forwarder
  /** Rate limits, quota and queue; absent when the gateway runs without protection. */
  admission?: Admission
  lifecycle: Lifecycle
  /** Present when traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT); absent, tracing costs nothing. */
  tracer?: RequestTracer
  log: Logger
  logRequests: boolean
  /** Called once per finished exchange (metrics hook in later). */
  onOutcome?: (outcome: ForwardOutcome, context: ProxyContext, durationMs: number) => void
}

export interface ProxyService {
  /** SSE streams being relayed right now. */
  readonly openStreams: number
  handle(
    endpoint: Endpoint,
    body: Record<string, unknown>,
    context: ProxyContext,
    transform?: (event: string, info: ChunkInfo) => string | undefined,
  ): Promise<Response>
}

export function createProxyService(options: ProxyServiceOptions): ProxyService {
  const { forwarder, lifecycle, log } = options
  let openStreams = 0
  return {
    get openStreams() {
      return openStreams
    },
    async handle(endpoint, body, context, transform) {
      if (lifecycle.draining) {
        throw new GatewayError('shutting_down', 'The gateway is shutting down; retry on another instance.', {
          headers: { 'retry-after': '1' },
        })
      }
      // The outcome callback keeps `context` as long as a stream lasts; the prompt's text must not ride along.
      const { rawBody } = context
      context.rawBody = undefined
      const end = lifecycle.begin()
      let ticket: Awaited<ReturnType<Admission['admit']>> | undefined
      const requestTrace = options.tracer?.start({
        endpoint,
        route: context.route,
        requestId: context.requestId,
        body,
        incoming: context.incomingTraceparent,
        traceparent: context.traceparent,
        startedAt: context.startedAt,
      })
      const traceId = requestTrace?.traceId ?? context.traceparent.slice(3, 35)
      try {
        ticket = await options.admission?.admit(context.identity, body, context.signal)
        const result = await forwarder.forward({
          endpoint,
          body,
          requestId: context.requestId,
          traceparent: context.traceparent,
          rawBody: ticket?.rewroteBody ? undefined : rawBody,
          upstreamTrace: requestTrace?.startUpstream,
          clientSignal: context.signal,
          startedAt: context.startedAt,
          transform,
          responseHeaders: ticket?.headers,
        })
        // The callback outlives a stream by minutes: it keeps a flag, not the whole result and its Response.
        const { streaming } = result
        if (streaming) openStreams++
        void result.done.then((outcome) => {
          ticket?.settle(outcome)
          requestTrace?.end(outcome)
          end()
          if (streaming) openStreams--
          const durationMs = performance.now() - context.startedAt
          options.onOutcome?.(outcome, context, durationMs)
          if (options.logRequests) {
            logRecord(
              log,
              {
                requestId: context.requestId,
                traceId,
                keyId: context.identity.keyId,
                route: context.route,
                model: outcome.model,
                upstream: outcome.upstream,
                status: outcome.status,
                outcome: outcome.streamOutcome ?? 'completed',
                durationMs: Math.round(durationMs * 100) / 100,
                ttftMs: outcome.ttftMs === undefined ? undefined : Math.round(outcome.ttftMs * 100) / 100,
                promptTokens: outcome.usage?.prompt_tokens,
                completionTokens: outcome.usage?.completion_tokens ?? outcome.contentChunks,
                attempts: outcome.attempts,
              },
              'request',
            )
          }
        })
        return result.response
      } catch (error) {
        ticket?.cancel()
        end()
        if (error instanceof GatewayError) requestTrace?.fail(error.status, error.message)
        else requestTrace?.fail(500, String(error))
        if (ticket && error instanceof GatewayError) Object.assign(error.headers, ticket.headers)
        const model = forwarder.resolveModel(String(body.model))
        if (error instanceof GatewayError && forwarder.knowsModel(model)) error.model = model
        if (options.logRequests && error instanceof GatewayError) {
          log.info(
            {
              requestId: context.requestId,
              traceId,
              keyId: context.identity.keyId,
              route: context.route,
              model: body.model,
              status: error.status,
              code: error.code,
              durationMs: Math.round((performance.now() - context.startedAt) * 100) / 100,
            },
            'request',
          )
        }
        throw error
      }
    },
  }
}
