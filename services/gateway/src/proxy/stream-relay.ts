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

const readerOf = (body: ReadableStream<Uint8Array>) => body.getReader()
type Reader = ReturnType<typeof readerOf>

export function createStreamRelay(options: StreamRelayOptions): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(new RelaySource(options), { highWaterMark: 0 })
}

/**
 * The relay as one object (the stream calls pull and cancel as its methods): a few closures fewer per open stream
 * than a closure per step, and the idle timer gets the relay as its argument instead of capturing it.
 */
class RelaySource {
  private readonly reader: Reader
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
  /** Events of the current read that go to the client, when there is more than one (reused, emptied per read). */
  private readonly parts: Uint8Array[] = []
  private lastContentAt: number | undefined
  private doneSeen = false
  private ended = false
  private idle = false

  constructor(private readonly options: StreamRelayOptions) {
    this.reader = readerOf(options.body)
    this.idleTimer = setTimeout(onIdle, options.idleTimeoutMs, this)
  }

  /** The idle timer fired: cut the upstream; the pending read then ends and `pull` reports the timeout. */
  goIdle(): void {
    this.idle = true
    this.options.abortUpstream(new Error('stream idle timeout'))
    void this.reader.cancel().catch(ignore)
  }

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    // Keep reading until something can be handed to the client: pull is not called again on an empty turn.
    for (;;) {
      let result: Awaited<ReturnType<Reader['read']>>
      try {
        result = await this.reader.read()
      } catch {
        result = { done: true, value: undefined }
      }
      if (this.idle) {
        this.finish('idle_timeout')
        this.failClient(
          controller,
          new GatewayError(
            'upstream_timeout',
            `upstream stream was silent for ${this.options.idleTimeoutMs} ms`,
          ),
        )
        return
      }
      if (result.done) {
        if (this.doneSeen) {
          this.finish('completed')
          controller.close()
          return
        }
        this.finish('upstream_closed')
        this.failClient(
          controller,
          new GatewayError('upstream_error', 'upstream closed the stream before it completed'),
        )
        return
      }
      this.idleTimer.refresh()
      const sent = this.relayChunk(result.value, controller)
      if (this.doneSeen) {
        this.finish('completed')
        controller.close()
        void this.reader.cancel().catch(ignore)
        return
      }
      if (sent) return
    }
  }

  cancel(reason?: unknown): void {
    this.stats.outcome = 'client_aborted'
    this.finish('client_aborted')
    this.options.abortUpstream(reason ?? new Error('client disconnected'))
    void this.reader.cancel(reason).catch(ignore)
  }

  /**
   * Hands the read's complete events to the client; true when anything was enqueued. When every event of a chunk
   * passes unchanged and the chunk ends on an event boundary with nothing carried over, the chunk itself goes on:
   * no view, no copy.
   */
  private relayChunk(chunk: Uint8Array, controller: ReadableStreamDefaultController<Uint8Array>): boolean {
    const { splitter, parts } = this
    const carried = splitter.rest() !== undefined
    splitter.feed(chunk)
    let unchanged = true
    for (let event = splitter.next(); event !== undefined; event = splitter.next()) {
      const out = this.handleEvent(event)
      if (out !== event) unchanged = false
      if (out !== undefined) parts.push(out)
    }
    if (parts.length === 0) return false
    if (parts.length === 1) controller.enqueue(parts[0] as Uint8Array)
    else if (unchanged && !carried && splitter.rest() === undefined) controller.enqueue(chunk)
    else controller.enqueue(concatAll(parts))
    parts.length = 0
    return true
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

  private failClient(controller: ReadableStreamDefaultController<Uint8Array>, error: GatewayError): void {
    const { options } = this
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
