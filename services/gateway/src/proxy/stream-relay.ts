/**
 * @module Relays an upstream SSE stream to the client: bytes pass through as they arrive, pulled only as fast as
 * the client reads (backpressure, never unbounded buffering), while the relay learns time to first token, usage and
 * finish reasons. Every way a stream can go wrong ends the client's stream with an error event and [DONE].
 */
import {
  type ChunkInfo,
  inspectEvent,
  isPlainContentEvent,
  SseEventSplitter,
  type TokenUsage,
} from '../core/sse.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { sseErrorEvent } from '../errors/openai-error.ts'

export type StreamOutcome =
  | 'completed'
  | 'client_aborted'
  | 'upstream_closed'
  | 'idle_timeout'
  | 'upstream_error'

export interface StreamStats {
  outcome: StreamOutcome
  /** ms from the request's start to the first content chunk. */
  ttftMs: number | undefined
  usage: TokenUsage | undefined
  finishReasons: string[]
  /** Content-bearing chunks seen: the completion-token count when the stream ended before its usage chunk. */
  contentChunks: number
  errorMessage: string | undefined
}

export interface StreamRelayOptions {
  body: ReadableStream<Uint8Array>
  abortUpstream: (reason?: unknown) => void
  idleTimeoutMs: number
  /** Pass the usage-only chunk on (the client asked for include_usage) or drop it. */
  keepUsageChunk: boolean
  startedAt: number
  now: () => number
  /** Gap between consecutive content chunks, for inter-token latency. */
  onTokenGap?: (gapMs: number) => void
  /** Rewrites one event for legacy endpoints; undefined drops it. Absent: bytes pass through untouched. */
  transform?: (event: string, info: ChunkInfo) => string | undefined
  onEnd: (stats: StreamStats) => void
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function createStreamRelay(options: StreamRelayOptions): ReadableStream<Uint8Array> {
  const reader = options.body.getReader()
  const splitter = new SseEventSplitter()
  const stats: StreamStats = {
    outcome: 'completed',
    ttftMs: undefined,
    usage: undefined,
    finishReasons: [],
    contentChunks: 0,
    errorMessage: undefined,
  }
  let lastContentAt: number | undefined
  let doneSeen = false
  let ended = false
  let idle = false
  const idleTimer = setTimeout(() => {
    idle = true
    options.abortUpstream(new Error('stream idle timeout'))
    void reader.cancel().catch(() => {})
  }, options.idleTimeoutMs)

  const finish = (outcome: StreamOutcome) => {
    if (ended) return
    ended = true
    clearTimeout(idleTimer)
    stats.outcome = stats.outcome === 'completed' ? outcome : stats.outcome
    options.onEnd(stats)
  }

  const countContent = () => {
    const at = options.now()
    if (stats.ttftMs === undefined) stats.ttftMs = at - options.startedAt
    else if (lastContentAt !== undefined) options.onTokenGap?.(at - lastContentAt)
    lastContentAt = at
    stats.contentChunks += 1
  }

  const handleEvent = (bytes: Uint8Array, out: Uint8Array[]) => {
    // The hot path: after the first token most events are plain content and pass on as bytes.
    if (stats.ttftMs !== undefined && !options.transform && isPlainContentEvent(bytes)) {
      countContent()
      out.push(bytes)
      return
    }
    const text = decoder.decode(bytes)
    const info = inspectEvent(text, stats.ttftMs !== undefined)
    if (info.kind === 'done') doneSeen = true
    if (info.kind === 'error') {
      stats.outcome = 'upstream_error'
      stats.errorMessage = info.message
    }
    if (info.kind === 'chunk') {
      if (info.hasContent) countContent()
      if (info.finishReasons.length > 0) stats.finishReasons.push(...info.finishReasons)
      if (info.usage) stats.usage = info.usage
      if (info.usageOnly && !options.keepUsageChunk) return
    }
    if (options.transform) {
      const rewritten = options.transform(text, info)
      if (rewritten !== undefined) out.push(encoder.encode(rewritten))
      return
    }
    out.push(bytes)
  }

  const failClient = (controller: ReadableStreamDefaultController<Uint8Array>, error: GatewayError) => {
    const event = options.transform
      ? options.transform(sseErrorEvent(error), { kind: 'other' })
      : sseErrorEvent(error)
    stats.errorMessage ??= error.message
    controller.enqueue(encoder.encode(event ?? sseErrorEvent(error)))
    controller.close()
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Keep reading until something can be handed to the client: pull is not called again on an empty turn.
        for (;;) {
          let result: Awaited<ReturnType<typeof reader.read>>
          try {
            result = await reader.read()
          } catch {
            result = { done: true, value: undefined }
          }
          if (idle) {
            finish('idle_timeout')
            failClient(
              controller,
              new GatewayError(
                'upstream_timeout',
                `upstream stream was silent for ${options.idleTimeoutMs} ms`,
              ),
            )
            return
          }
          if (result.done) {
            if (doneSeen) {
              finish('completed')
              controller.close()
              return
            }
            finish('upstream_closed')
            failClient(
              controller,
              new GatewayError('upstream_error', 'upstream closed the stream before it completed'),
            )
            return
          }
          idleTimer.refresh()
          const out: Uint8Array[] = []
          for (const event of splitter.push(result.value)) handleEvent(event, out)
          if (out.length === 1 && out[0]) controller.enqueue(out[0])
          else if (out.length > 1) controller.enqueue(concatAll(out))
          if (doneSeen) {
            finish('completed')
            controller.close()
            void reader.cancel().catch(() => {})
            return
          }
          if (out.length > 0) return
        }
      },
      cancel(reason) {
        stats.outcome = 'client_aborted'
        finish('client_aborted')
        options.abortUpstream(reason ?? new Error('client disconnected'))
        void reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
