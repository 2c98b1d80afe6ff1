/**
 * @module Sends one OpenAI request to an upstream serving its model: alias resolution, least-loaded choice, retries
 * before any byte reached the client, then a plain JSON answer or a relayed stream.
 */
import type { Logger } from '@infergate/logger'
import { retryDelayMs } from '../core/backoff.ts'
import type { BreakerRegistry } from '../core/circuit-breaker.ts'
import { retryAfterHeaders } from '../core/rate-limit-headers.ts'
import type { ChunkInfo, TokenUsage } from '../core/sse.ts'
import { extractUsage } from '../core/usage-extract.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { translateUpstreamError } from '../errors/openai-error.ts'
import type { UpstreamSpan } from '../telemetry/request-tracing.ts'
import { sendUpstream, type UpstreamFailure } from '../upstream/client.ts'
import { takeDirectBody, type UpstreamTransport } from '../upstream/http1-transport.ts'
import type { Upstream, UpstreamRegistry } from '../upstream/registry.ts'
import { createStreamRelay, type StreamOutcome } from './stream-relay.ts'
import { upstreamPayload } from './upstream-payload.ts'

export type Endpoint = 'chat' | 'completions' | 'embeddings'

const UPSTREAM_PATHS: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
}

export interface ForwardRequest {
  endpoint: Endpoint
  /** The validated request body; the forwarder may rewrite `model` and `stream_options`. */
  body: Record<string, unknown>
  requestId: string
  traceparent: string
  /** The client's JSON text of `body`, sent as it is when the forwarder changes nothing (see upstream-payload.ts). */
  rawBody?: string
  /** Starts the client span of one upstream attempt; its traceparent replaces `traceparent`. */
  upstreamTrace?: (upstreamUrl: string, attempt: number) => UpstreamSpan
  clientSignal: AbortSignal | undefined
  startedAt: number
  /** Headers for the client's response (x-ratelimit-*), set when it is built rather than on it afterwards. */
  responseHeaders?: Readonly<Record<string, string>>
  /** Rewrites stream events for the legacy /v1/stream endpoint. */
  transform?: (event: string, info: ChunkInfo) => string | undefined
}

/** What happened, for logs, metrics and (later) quota settlement. */
export interface ForwardOutcome {
  status: number
  model: string
  upstream: string | undefined
  usage: TokenUsage | undefined
  ttftMs: number | undefined
  finishReasons: string[]
  streamOutcome: StreamOutcome | undefined
  /** Completion chunks seen on a stream: the charge when the stream ended before its usage chunk. */
  contentChunks: number
  attempts: number
  /** ms spent waiting on the upstream (request sent → last byte), to tell gateway overhead from upstream time. */
  upstreamMs: number
}

export interface ForwardResult {
  response: Response
  streaming: boolean
  /** Resolves when the exchange is over: at once for JSON answers, at the end of the relay for streams. */
  done: Promise<ForwardOutcome>
}

export interface ForwarderOptions {
  registry: UpstreamRegistry
  upstreamApiKey: string | undefined
  modelAliases: Readonly<Record<string, string>>
  upstreamTimeoutMs: number
  streamIdleTimeoutMs: number
  retries: number
  retryBackoffMs: number
  log: Logger
  now?: () => number
  random?: () => number
  /** One circuit breaker per upstream index; open upstreams are skipped, and fail fast when all are open. */
  breakers?: BreakerRegistry
  /** Told of each upstream's result, for metrics. */
  onUpstreamResult?: (upstream: Upstream, ok: boolean) => void
  onTokenGap?: (model: string, gapMs: number) => void
  /** How requests reach upstreams; fetch when absent. */
  transport?: UpstreamTransport
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}
const JSON_HEADERS = { 'content-type': 'application/json' }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface Forwarder {
  forward(request: ForwardRequest): Promise<ForwardResult>
  resolveModel(requested: string): string
  knowsModel(model: string): boolean
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const now = options.now ?? performance.now.bind(performance)
  const random = options.random ?? Math.random
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
  }
  if (options.upstreamApiKey) baseHeaders.authorization = `Bearer ${options.upstreamApiKey}`

  const resolveModel = (requested: string) => options.modelAliases[requested] ?? requested

  /** The shortest wait among healthy upstreams of `model` whose circuit is open, if any is. */
  const openCircuitWait = (model: string): number | undefined => {
    const nowMs = Date.now()
    let wait: number | undefined
    for (const upstream of options.registry.upstreams) {
      if (!upstream.healthy || !upstream.models.has(model) || !options.breakers) continue
      const snapshot = options.breakers.get(upstream.index).snapshot(nowMs)
      if (snapshot.state === 'closed') continue
      wait = Math.min(wait ?? Number.POSITIVE_INFINITY, Math.max(1, snapshot.retryAfterMs))
    }
    return wait
  }

  async function forward(request: ForwardRequest): Promise<ForwardResult> {
    const { body } = request
    const model = resolveModel(String(body.model))
    if (!options.registry.knowsModel(model)) {
      throw new GatewayError('model_not_found', `The model \`${String(body.model)}\` does not exist.`, {
        param: 'model',
      })
    }
    const aliased = body.model !== model
    body.model = model
    const stream = body.stream === true && request.endpoint !== 'embeddings'
    const streamOptions = (body.stream_options ?? {}) as Record<string, unknown>
    const keepUsageChunk = stream && streamOptions.include_usage === true
    // Usage must be exact even when the client did not ask for it: always request it, drop it on the way back.
    if (stream && !keepUsageChunk) body.stream_options = { ...streamOptions, include_usage: true }
    const payload = upstreamPayload({
      body,
      raw: request.rawBody,
      rewritten: aliased,
      addIncludeUsage: stream && !keepUsageChunk,
    })
    const headers: Record<string, string> = {
      ...baseHeaders,
      'x-request-id': request.requestId,
      traceparent: request.traceparent,
    }
    if (stream) headers.accept = 'text/event-stream'

    const tried = new Set<number>()
    let lastError: GatewayError | undefined
    let breakerWaitMs: number | undefined
    for (let attempt = 1; attempt <= options.retries + 1; attempt++) {
      if (attempt > 1) await sleep(retryDelayMs(attempt - 1, options.retryBackoffMs, random()))
      if (request.clientSignal?.aborted)
        throw new GatewayError('client_closed_request', 'client closed the request')
      const upstream = options.registry.pick(model, tried)
      if (!upstream) break
      tried.add(upstream.index)
      const breaker = options.breakers?.get(upstream.index)
      const ticket = breaker?.acquire(Date.now())
      if (ticket && !ticket.ok) {
        // Another caller holds the half-open probe, or the circuit opened meanwhile: not a try of ours.
        breakerWaitMs = Math.min(breakerWaitMs ?? ticket.retryAfterMs, ticket.retryAfterMs)
        attempt--
        continue
      }
      const probe = ticket?.ok === true && ticket.probe
      const upstreamSpan = request.upstreamTrace?.(upstream.url, attempt)
      headers.traceparent = upstreamSpan?.traceparent ?? request.traceparent
      let upstreamStatus: number | undefined
      const sentAt = now()
      upstream.inFlight++
      let settled = false
      let detach: (() => void) | undefined
      /** `true`: the upstream answered; `false`: it failed (5xx, connect, timeout, broken stream); 'abandon': the client left. */
      const release = (result: boolean | 'abandon') => {
        if (settled) return
        settled = true
        detach?.()
        upstream.inFlight--
        upstreamSpan?.end(
          upstreamStatus,
          result === false && upstreamStatus === undefined ? 'no response' : undefined,
        )
        if (result === 'abandon') breaker?.onAbandon(probe, Date.now())
        else if (result) breaker?.onSuccess(probe)
        else breaker?.onFailure(probe, Date.now())
        options.onUpstreamResult?.(upstream, result !== false)
      }
      let exchange: Awaited<ReturnType<typeof sendUpstream>>
      try {
        exchange = await sendUpstream({
          url: upstream.url + UPSTREAM_PATHS[request.endpoint],
          body: payload,
          headers,
          clientSignal: request.clientSignal,
          timeoutMs: options.upstreamTimeoutMs,
          transport: options.transport,
        })
      } catch (error) {
        const failure = error as UpstreamFailure
        release(failure.kind === 'aborted' ? 'abandon' : false)
        if (failure.kind === 'timeout') {
          throw new GatewayError(
            'upstream_timeout',
            `upstream did not answer within ${options.upstreamTimeoutMs} ms`,
          )
        }
        if (failure.kind === 'aborted')
          throw new GatewayError('client_closed_request', 'client closed the request')
        options.registry.markUnhealthy(upstream.index, failure.message, Date.now())
        options.log.warn(
          { upstream: upstream.url, requestId: request.requestId, reason: failure.message },
          'upstream connect failed',
        )
        lastError = new GatewayError('upstream_error', `could not reach an upstream for model \`${model}\``)
        continue
      }
      const { response } = exchange
      detach = exchange.detach
      upstreamStatus = response.status
      if (!response.ok) {
        const text = await response.text().catch(() => '')
        exchange.clearTimeout()
        const retryable = response.status === 502 || response.status === 503
        release(!retryable && response.status < 500)
        lastError = translateUpstreamError(response.status, text)
        if (retryable) continue
        throw lastError
      }
      const base = { model, upstream: upstream.url, attempts: attempt }
      if (!stream) {
        let text: string
        try {
          text = await response.text()
        } catch (error) {
          release(request.clientSignal?.aborted && !exchange.timedOut() ? 'abandon' : false)
          if (exchange.timedOut()) {
            throw new GatewayError(
              'upstream_timeout',
              `upstream did not answer within ${options.upstreamTimeoutMs} ms`,
            )
          }
          if (request.clientSignal?.aborted)
            throw new GatewayError('client_closed_request', 'client closed the request')
          throw new GatewayError('upstream_error', 'upstream connection broke while sending its answer', {
            cause: error,
          })
        } finally {
          exchange.clearTimeout()
        }
        release(true)
        const outcome: ForwardOutcome = {
          ...base,
          status: 200,
          usage: extractUsage(text),
          ttftMs: undefined,
          finishReasons: [],
          streamOutcome: undefined,
          contentChunks: 0,
          upstreamMs: now() - sentAt,
        }
        return {
          response: new Response(text, {
            status: 200,
            headers: { ...JSON_HEADERS, 'x-request-id': request.requestId, ...request.responseHeaders },
          }),
          streaming: false,
          done: Promise.resolve(outcome),
        }
      }
      exchange.clearTimeout()
      const responseBody = response.body
      if (!responseBody) {
        release(false)
        throw new GatewayError('upstream_error', 'upstream sent an empty stream')
      }
      let resolveDone: (outcome: ForwardOutcome) => void = () => {}
      const done = new Promise<ForwardOutcome>((resolve) => {
        resolveDone = resolve
      })
      const relay = createStreamRelay({
        body: takeDirectBody(response) ?? responseBody,
        abortUpstream: exchange.abort,
        clientSignal: request.clientSignal,
        idleTimeoutMs: options.streamIdleTimeoutMs,
        keepUsageChunk,
        startedAt: request.startedAt,
        now,
        onTokenGap: options.onTokenGap ? (gap) => options.onTokenGap?.(model, gap) : undefined,
        transform: request.transform,
        onEnd(stats) {
          release(stats.outcome === 'client_aborted' ? 'abandon' : stats.outcome === 'completed')
          resolveDone({
            ...base,
            status: 200,
            usage: stats.usage,
            ttftMs: stats.ttftMs,
            finishReasons: stats.finishReasons,
            streamOutcome: stats.outcome,
            contentChunks: stats.contentChunks,
            upstreamMs: now() - sentAt,
          })
        },
      })
      return {
        response: new Response(relay, {
          status: 200,
          headers: { ...SSE_HEADERS, 'x-request-id': request.requestId, ...request.responseHeaders },
        }),
        streaming: true,
        done,
      }
    }
    if (lastError) throw lastError
    breakerWaitMs ??= openCircuitWait(model)
    if (breakerWaitMs !== undefined) {
      throw new GatewayError(
        'circuit_open',
        `every upstream serving model \`${model}\` is failing; retry later`,
        {
          headers: retryAfterHeaders(breakerWaitMs),
        },
      )
    }
    throw new GatewayError('no_healthy_upstream', `no healthy upstream is serving model \`${model}\``, {
      headers: { 'retry-after': '1' },
    })
  }

  return { forward, resolveModel, knowsModel: (model) => options.registry.knowsModel(model) }
}
