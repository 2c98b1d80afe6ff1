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
import type { BodySink, DirectBody } from '../upstream/http1-transport.ts'

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
  /** The upstream body: pushed by the gateway's transport, or a stream (fetch's) that the relay reads. */
  body: DirectBody | ReadableStream<Uint8Array>
  abortUpstream: (reason?: unknown) => void
  /** The client's signal: an upstream body that ends because the client left is the client's doing, not a failure. */
  clientSignal?: AbortSignal
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

/** Backpressure: pieces queued for a slow client before the upstream stops being read. */
export const CLIENT_QUEUE_CHUNKS = 8

export function createStreamRelay(options: StreamRelayOptions): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(new RelaySource(options), { highWaterMark: CLIENT_QUEUE_CHUNKS })
}

/**
 * The relay as one object: the client's stream calls start, pull and cancel on it, the upstream body pushes into it
 * (data, end, error), and the idle timer gets it as its argument instead of a closure.
 */
class RelaySource implements BodySink {
  private readonly upstream: DirectBody
  private controller!: ReadableStreamDefaultController<Uint8Array>
  private readonly splitter = new SseEventSplitter()
  private readonly stats: StreamStats = {
    outcome: 'completed',
    ttftMs: undefined,
    usage: undefined,
    finishReasons: [],
    contentChunks: 0,
    errorMessage: undefined,
  }
  private readonly idleTimer: ReturnType<typeof setTimeout>
  /** Events of the current piece that go to the client, when there is more than one (reused, emptied per piece). */
  private readonly parts: Uint8Array[] = []
  private lastContentAt: number | undefined
  private doneSeen = false
  private ended = false

  constructor(private readonly options: StreamRelayOptions) {
    this.upstream = options.body instanceof ReadableStream ? readableBody(options.body) : options.body
    this.idleTimer = setTimeout(onIdle, options.idleTimeoutMs, this)
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller
    this.upstream.start(this)
  }

  /** The client took what was queued: read the upstream again. */
  pull(): void {
    this.upstream.resume()
  }

  cancel(reason?: unknown): void {
    if (this.ended) return
    this.stats.outcome = 'client_aborted'
    this.finish('client_aborted')
    this.options.abortUpstream(reason ?? new Error('client disconnected'))
    this.upstream.cancel()
  }

  data(chunk: Uint8Array): void {
    if (this.ended) return
    this.idleTimer.refresh()
    const { controller } = this
    this.relayChunk(chunk, controller)
    if (this.doneSeen) {
      this.finish('completed')
      controller.close()
      this.upstream.cancel()
      return
    }
    if ((controller.desiredSize ?? 1) <= 0) this.upstream.pause()
  }

  end(): void {
    if (this.ended) return
    if (this.options.clientSignal?.aborted) {
      // The client's abort reached the upstream before its stream was cancelled: the same as cancel, in other order.
      this.stats.outcome = 'client_aborted'
      this.finish('client_aborted')
      return
    }
    // [DONE] would have ended the relay in data(): an end before it is a broken stream.
    this.finish('upstream_closed')
    this.failClient(new GatewayError('upstream_error', 'upstream closed the stream before it completed'))
  }

  error(): void {
    this.end()
  }

  /** The idle timer fired: end the client's stream with the timeout, then cut the upstream (whose end is ignored). */
  goIdle(): void {
    if (this.ended) return
    // A full client queue means the upstream was paused for a client that stopped reading: the silence is the
    // client's, and charging it to the upstream would open a healthy upstream's circuit.
    if ((this.controller.desiredSize ?? 1) <= 0) this.stats.outcome = 'client_aborted'
    this.finish('idle_timeout')
    this.failClient(
      new GatewayError('upstream_timeout', `upstream stream was silent for ${this.options.idleTimeoutMs} ms`),
    )
    this.options.abortUpstream(new Error('stream idle timeout'))
    this.upstream.cancel()
  }

  /**
   * Hands the piece's complete events to the client. When every event of a chunk
   * passes unchanged and the chunk ends on an event boundary with nothing carried over, the chunk itself goes on:
   * no view, no copy.
   */
  private relayChunk(chunk: Uint8Array, controller: ReadableStreamDefaultController<Uint8Array>): void {
    const { splitter, parts } = this
    const carried = splitter.rest() !== undefined
    splitter.feed(chunk)
    let unchanged = true
    for (let event = splitter.next(); event !== undefined; event = splitter.next()) {
      const out = this.handleEvent(event)
      if (out !== event) unchanged = false
      if (out !== undefined) parts.push(out)
    }
    if (parts.length === 0) return
    if (parts.length === 1) controller.enqueue(parts[0] as Uint8Array)
    else if (unchanged && !carried && splitter.rest() === undefined) controller.enqueue(chunk)
    else controller.enqueue(concatAll(parts))
    parts.length = 0
  }

  /** What goes to the client for one event: the event itself, a rewrite, or undefined to drop it. */
  private handleEvent(bytes: Uint8Array): Uint8Array | undefined {
    const { options, stats } = this
    // The hot path: after the first token most events are plain content and pass on as bytes.
    if (stats.ttftMs !== undefined && !options.transform && isPlainContentEvent(bytes)) {
      this.countContent()
      return bytes
    }
    const text = decoder.decode(bytes)
    const info = inspectEvent(text, stats.ttftMs !== undefined)
    if (info.kind === 'done') this.doneSeen = true
    if (info.kind === 'error') {
      stats.outcome = 'upstream_error'
      stats.errorMessage = info.message
    }
    if (info.kind === 'chunk') {
      if (info.hasContent) this.countContent()
      if (info.finishReasons.length > 0) stats.finishReasons.push(...info.finishReasons)
      if (info.usage) stats.usage = info.usage
      if (info.usageOnly && !options.keepUsageChunk) return undefined
    }
    if (options.transform) {
      const rewritten = options.transform(text, info)
      return rewritten === undefined ? undefined : encoder.encode(rewritten)
    }
    return bytes
  }

  private countContent(): void {
    const { options, stats } = this
    const at = options.now()
    if (stats.ttftMs === undefined) stats.ttftMs = at - options.startedAt
    else if (this.lastContentAt !== undefined) options.onTokenGap?.(at - this.lastContentAt)
    this.lastContentAt = at
    stats.contentChunks += 1
  }

  private finish(outcome: StreamOutcome): void {
    if (this.ended) return
    this.ended = true
    clearTimeout(this.idleTimer)
    const { stats } = this
    stats.outcome = stats.outcome === 'completed' ? outcome : stats.outcome
    this.options.onEnd(stats)
  }

  private failClient(error: GatewayError): void {
    const { options, controller } = this
    const event = options.transform
      ? options.transform(sseErrorEvent(error), { kind: 'other' })
      : sseErrorEvent(error)
    this.stats.errorMessage ??= error.message
    controller.enqueue(encoder.encode(event ?? sseErrorEvent(error)))
    controller.close()
  }
}

function onIdle(relay: RelaySource): void {
  relay.goIdle()
}

function ignore(): void {}

/** A stream body (fetch's) as a pushed one: a read loop that waits while paused. */
function readableBody(body: ReadableStream<Uint8Array>): DirectBody {
  const reader = body.getReader()
  let paused = false
  let cancelled = false
  let wake: (() => void) | undefined
  async function pump(sink: BodySink): Promise<void> {
    for (;;) {
      if (paused) await new Promise<void>((resolve) => (wake = resolve))
      if (cancelled) return
      let result: Awaited<ReturnType<typeof reader.read>>
      try {
        result = await reader.read()
      } catch (error) {
        if (!cancelled) sink.error(error)
        return
      }
      if (cancelled) return
      if (result.done) {
        sink.end()
        return
      }
      sink.data(result.value)
    }
  }
  const resume = () => {
    paused = false
    const waiting = wake
    wake = undefined
    waiting?.()
  }
  const cancel = () => {
    if (cancelled) return
    cancelled = true
    resume()
    void reader.cancel().catch(ignore)
  }
  return {
    start: (sink) => {
      pump(sink).catch((error: unknown) => {
        // A throw from the sink's side (a callback of the relay's owner) would otherwise be an unhandled rejection,
        // which ends the process: the body is dropped and the sink told, as the transport's own bodies do.
        cancel()
        sink.error(error)
      })
    },
    pause: () => {
      paused = true
    },
    resume,
    cancel,
  }
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
