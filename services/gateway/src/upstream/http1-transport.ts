/**
 * @module The gateway's HTTP/1.1 client for plain-HTTP upstreams: requests over a keep-alive pool of Bun.connect
 * sockets, answers as standard Responses. Bun's fetch hands every request and every body read to its HTTP client
 * thread and back; on a busy proxy that round trip was ~20 µs of a ~50 µs request (BENCHMARKS.md), and each JS read of
 * a fetch body holds a 64 KiB buffer. Here socket I/O stays on the JS thread's event loop and a body read is the bytes
 * that arrived. https upstreams keep using fetch (certificates, SNI and proxies are its job).
 */
import {
  Http1ProtocolError,
  Http1ResponseParser,
  type ResponseHead,
  type ResponseSink,
} from '../core/http1-response.ts'

export interface UpstreamRequestInit {
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
  signal?: AbortSignal
}

/** `fetch` reduced to what the gateway sends upstream; tests and benches may pass fetch itself or a stub. */
export type UpstreamTransport = (url: string, init: UpstreamRequestInit) => Promise<Response>

/** Where a pushed body goes: each piece as it arrives, then exactly one of end or error. */
export interface BodySink {
  data(bytes: Uint8Array): void
  end(): void
  error(error: unknown): void
}

/**
 * A streamed body delivered by callbacks instead of reads: no promise, queue entry or result object per piece.
 * `pause` stops reading from the socket until `resume` (backpressure); `cancel` drops the rest (and the connection).
 */
export interface DirectBody {
  start(sink: BodySink): void
  pause(): void
  resume(): void
  cancel(): void
}

/** Streamed answers of this transport, until their body is taken directly or read as a stream. */
const directBodies = new WeakMap<Response, Exchange>()

/**
 * The body of a streamed answer of this transport as a DirectBody, if nobody read its stream yet; the Response's own
 * body stream must not be used afterwards. Undefined for answers of fetch or already read ones.
 */
export function takeDirectBody(response: Response): DirectBody | undefined {
  const exchange = directBodies.get(response)
  if (exchange === undefined || !exchange.claim('direct')) return undefined
  directBodies.delete(response)
  return exchange
}

export interface Http1TransportOptions {
  /**
   * An idle pooled connection is closed after this long. Below uvicorn's 5 s keep-alive (vLLM's server), so that we,
   * not the server, end idle connections, and a request is rarely written to a connection the server is closing.
   */
  idleTimeoutMs?: number
  /** Idle connections kept per upstream; more are closed as their requests finish. */
  maxIdlePerOrigin?: number
  /** Streamed bodies: chunks queued for a slow reader before the socket stops reading (backpressure). */
  streamQueueChunks?: number
  /** How long the rest of a cancelled streamed answer may take before its connection is closed instead of reused. */
  discardGraceMs?: number
  /**
   * A reused connection that closes without a byte of answer is retried only within this long of the request being
   * written. A server closing an idle connection as our request crosses it closes within a round trip; one that
   * closes later may have received and worked on the request, and a retry would run it twice.
   */
  staleRetryWindowMs?: number
}

export interface Http1Transport {
  request: UpstreamTransport
  /** Open connections (idle and busy) and idle ones, over every upstream: for tests and diagnostics. */
  stats(): { open: number; idle: number }
  /** The same for the upstream at `url` (any URL of it); undefined before its first request. */
  statsFor(url: string): { open: number; idle: number } | undefined
  /** Closes idle connections and stops the idle sweep; busy ones close once their request is over. */
  close(): void
}

interface Target {
  origin: string
  hostname: string
  port: number
  /** Path and query, as the request line carries them. */
  path: string
  hostHeader: string
}

/** Upstream URLs come from a handful of base URLs and fixed paths: parse each once. */
const TARGET_CACHE_LIMIT = 1000

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'])
/** Framing and connection headers are the transport's own: a caller's would contradict the content-length it sends. */
const REQUEST_OWN = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
])
const UNSAFE_HEADER_VALUE = /[\r\n\0]/

type Socket = Bun.Socket<Connection>

class Connection {
  socket: Socket | undefined
  exchange: Exchange | undefined
  /** Set once the connection has been pooled: a close before any answer may then be the server's idle timeout. */
  reused = false
  idleSince = 0
  closed = false
  constructor(readonly pool: OriginPool) {}
}

class OriginPool {
  readonly idle: Connection[] = []
  open = 0
  /**
   * The transport was closed: a connection whose request finishes is closed instead of pooled, since no sweep
   * would ever close it (an open socket keeps the process alive).
   */
  closed = false
  constructor(
    readonly target: Target,
    readonly options: Required<Http1TransportOptions>,
  ) {}

  /** `fresh`: a new connection even when idle ones wait (a retry; the idle ones may be as stale as the first). */
  async acquire(fresh = false): Promise<Connection> {
    for (let connection = fresh ? undefined : this.idle.pop(); connection; connection = this.idle.pop()) {
      if (!connection.closed) return connection
    }
    const connection = new Connection(this)
    this.open++
    try {
      connection.socket = await Bun.connect<Connection>({
        hostname: this.target.hostname,
        port: this.target.port,
        data: connection,
        socket: SOCKET_HANDLERS,
      })
    } catch (error) {
      this.open--
      connection.closed = true
      throw error
    }
    return connection
  }

  release(connection: Connection): void {
    connection.exchange = undefined
    if (connection.closed) return
    if (this.closed || this.idle.length >= this.options.maxIdlePerOrigin) {
      connection.socket?.end()
      return
    }
    connection.reused = true
    connection.idleSince = performance.now()
    this.idle.push(connection)
  }

  forget(connection: Connection): void {
    if (connection.closed) return
    connection.closed = true
    this.open--
    const index = this.idle.indexOf(connection)
    if (index !== -1) this.idle.splice(index, 1)
  }

  sweep(now: number): void {
    const deadline = now - this.options.idleTimeoutMs
    // Oldest first: the stack's bottom has waited longest.
    while (this.idle.length > 0 && (this.idle[0] as Connection).idleSince <= deadline) {
      const connection = this.idle.shift() as Connection
      connection.socket?.end()
    }
  }
}

const SOCKET_HANDLERS: Bun.SocketHandler<Connection> = {
  open(socket) {
    socket.setNoDelay(true)
  },
  data(socket, bytes) {
    const connection = socket.data
    if (connection.exchange) connection.exchange.onData(bytes)
    // Bytes on an idle connection answer nothing we asked: it cannot be trusted with a request.
    else socket.terminate()
  },
  drain(socket) {
    socket.data.exchange?.writeRest()
  },
  close(socket, error) {
    const connection = socket.data
    connection.pool.forget(connection)
    connection.exchange?.onClose(error)
  },
  error(socket, error) {
    socket.data.exchange?.noteError(error)
  },
  connectError() {
    // Bun.connect's promise rejects with the error; acquire() reports it.
  },
}

/** One request and its response on one connection; a failed first try on a reused connection gets one more. */
class Exchange implements ResponseSink, DirectBody {
  private readonly parser: Http1ResponseParser
  private connection: Connection | undefined
  private unwritten: Uint8Array | undefined
  private responseHead: ResponseHead | undefined
  /** A length-delimited answer's pieces, joined into its body at the end. */
  private bodyParts: Uint8Array[] | undefined
  /** A streamed answer: who takes it ('direct' via `start`, or the Response's stream), and what waits for them. */
  private consumer: 'direct' | 'stream' | undefined
  private sink: BodySink | undefined
  private readonly queued: Uint8Array[] = []
  private streamed = false
  private bodyEnded = false
  private bodyError: unknown
  private pullWaiting:
    | { controller: ReadableStreamDefaultController<Uint8Array>; done: () => void }
    | undefined
  private paused = false
  /** When the request went out, and whether any byte came back: what decides a retry (see onClose). */
  private writtenAt = 0
  private answered = false
  /** Set while the rest of a cancelled body is read and dropped (see cancel). */
  private discardTimer: ReturnType<typeof setTimeout> | undefined
  private finished = false
  private socketError: Error | undefined
  private settled = false
  private resolve!: (response: Response) => void
  private reject!: (error: unknown) => void
  readonly response: Promise<Response>

  constructor(
    private readonly pool: OriginPool,
    private readonly message: string,
    private readonly signal: AbortSignal | undefined,
    private retriesLeft: number,
  ) {
    this.parser = new Http1ResponseParser(this)
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    if (signal?.aborted) {
      this.fail(abortReason(signal))
      return
    }
    signal?.addEventListener('abort', this.onAbort, { once: true })
    void this.send()
  }

  private async send(fresh = false): Promise<void> {
    let connection: Connection
    try {
      connection = await this.pool.acquire(fresh)
    } catch (error) {
      this.fail(error)
      return
    }
    if (this.finished) {
      this.pool.release(connection)
      return
    }
    this.connection = connection
    connection.exchange = this
    const socket = connection.socket as Socket
    this.writtenAt = performance.now()
    const written = socket.write(this.message)
    if (written < 0) {
      this.onClose(undefined)
      return
    }
    const total = Buffer.byteLength(this.message)
    if (written < total) this.unwritten = Buffer.from(this.message).subarray(written)
  }

  writeRest(): void {
    const rest = this.unwritten
    const socket = this.connection?.socket
    if (rest === undefined || socket === undefined) return
    const written = socket.write(rest)
    if (written < 0) return
    this.unwritten = written < rest.length ? rest.subarray(written) : undefined
  }

  onData(bytes: Uint8Array): void {
    this.answered = true
    try {
      this.parser.feed(bytes)
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Http1ProtocolError(String(error)))
      return
    }
    if (this.parser.extraBytes) this.connection?.socket?.terminate()
  }

  noteError(error: Error): void {
    this.socketError = error
  }

  onClose(error: Error | undefined): void {
    if (this.finished) return
    const connection = this.connection
    if (
      !this.answered &&
      connection?.reused &&
      this.retriesLeft > 0 &&
      !this.signal?.aborted &&
      performance.now() - this.writtenAt <= this.pool.options.staleRetryWindowMs
    ) {
      // The server closed a kept-alive connection as we wrote to it (its idle timeout): nothing was answered,
      // so the request goes once more on a fresh connection.
      this.retriesLeft--
      connection.exchange = undefined
      this.connection = undefined
      this.unwritten = undefined
      void this.send(true)
      return
    }
    // A reset is not the end of a body that runs until close: what arrived may be cut anywhere.
    const failure = this.socketError ?? error
    if (failure !== undefined) {
      this.destroy(failure)
      return
    }
    try {
      this.parser.closed()
    } catch (parseError) {
      this.destroy(this.socketError ?? error ?? parseError)
    }
  }

  head(head: ResponseHead): void {
    this.responseHead = head
    if (head.framing !== 'chunked' && head.framing !== 'close') {
      this.bodyParts = []
      return
    }
    this.streamed = true
    // hwm 0: nothing is pulled until someone reads, so a caller can still take the body directly instead.
    const body = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.pullInto(controller),
        cancel: () => this.cancel(),
      },
      { highWaterMark: 0 },
    )
    // Thrown, a refused head fails the request from onData (it was not settled yet).
    const response = this.respond(body)
    directBodies.set(response, this)
    this.settle(response)
  }

  body(bytes: Uint8Array): void {
    if (!this.streamed) {
      this.bodyParts?.push(bytes)
      return
    }
    if (this.discardTimer !== undefined) return
    if (this.sink !== undefined) {
      this.sink.data(bytes)
      return
    }
    this.queued.push(bytes)
    this.feedStream()
    if (this.queued.length >= this.pool.options.streamQueueChunks) this.pause()
  }

  end(): void {
    let response: Response | undefined
    if (!this.streamed) {
      // Built before the connection is released: a head Response refuses fails this request and drops the connection.
      try {
        response = this.respond(joinParts(this.bodyParts ?? []))
      } catch (error) {
        this.destroy(error)
        return
      }
      this.bodyParts = undefined
    }
    this.finished = true
    clearTimeout(this.discardTimer)
    this.signal?.removeEventListener('abort', this.onAbort)
    const connection = this.connection
    if (connection !== undefined) {
      if (this.paused) {
        this.paused = false
        connection.socket?.resume()
      }
      // A request still being written when the answer ended (the server answered early) leaves the connection unusable.
      if (this.responseHead?.keepAlive && this.unwritten === undefined && !this.parser.extraBytes)
        this.pool.release(connection)
      else {
        connection.exchange = undefined
        connection.socket?.terminate()
      }
    }
    if (response !== undefined) {
      this.settle(response)
      return
    }
    this.bodyEnded = true
    const sink = this.sink
    this.sink = undefined
    if (sink !== undefined) sink.end()
    else this.feedStream()
  }

  /** Marks who reads a streamed body; false when someone else already does. */
  claim(consumer: 'direct' | 'stream'): boolean {
    if (this.consumer !== undefined && this.consumer !== consumer) return false
    this.consumer = consumer
    return true
  }

  start(sink: BodySink): void {
    this.sink = sink
    // The queue that made us pause is handed over now (no socket event runs meanwhile); a pause the sink asks for
    // while taking it stands.
    this.resume()
    // The sink may cancel or abort while taking a piece: it then has had its last call (error, if any, included).
    for (const bytes of this.queued.splice(0)) {
      if (this.sink !== sink) return
      sink.data(bytes)
    }
    if (this.sink !== sink) return
    if (this.bodyEnded) {
      this.sink = undefined
      sink.end()
      return
    }
    if (this.bodyError !== undefined) {
      this.sink = undefined
      sink.error(this.bodyError)
    }
  }

  pause(): void {
    if (this.paused || this.finished) return
    this.paused = true
    this.connection?.socket?.pause()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.connection?.socket?.resume()
  }

  /**
   * The reader wants no more. The rest of the answer is read and dropped for a moment: after vLLM's [DONE] only the
   * chunked terminator is left, and the connection can then serve again. An upstream that sends more loses it.
   */
  cancel(): void {
    this.sink = undefined
    this.queued.length = 0
    // A read still waiting ends with the stream's cancel; holding its controller would only keep it alive.
    const waiting = this.pullWaiting
    this.pullWaiting = undefined
    waiting?.done()
    if (this.finished || this.discardTimer !== undefined) return
    this.resume()
    this.discardTimer = setTimeout(
      () => this.destroy(new Error('response body cancelled')),
      this.pool.options.discardGraceMs,
    )
  }

  /** The Response's own stream reads: one queued piece per pull, waiting for the next when none is queued. */
  private pullInto(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | undefined {
    if (!this.claim('stream')) {
      controller.error(new TypeError('the body was taken directly'))
      return undefined
    }
    return new Promise<void>((done) => {
      this.pullWaiting = { controller, done }
      this.feedStream()
    })
  }

  private feedStream(): void {
    const waiting = this.pullWaiting
    if (waiting === undefined) return
    const next = this.queued.shift()
    if (next !== undefined) waiting.controller.enqueue(next)
    else if (this.bodyEnded) waiting.controller.close()
    else if (this.bodyError !== undefined) waiting.controller.error(this.bodyError)
    else return
    this.pullWaiting = undefined
    if (this.queued.length < this.pool.options.streamQueueChunks) this.resume()
    waiting.done()
  }

  private readonly onAbort = (): void => {
    this.destroy(abortReason(this.signal as AbortSignal))
  }

  private respond(body: ReadableStream<Uint8Array> | Uint8Array): Response {
    const head = this.responseHead as ResponseHead
    try {
      const headers = new Headers()
      for (const [name, value] of head.headers) if (!HOP_BY_HOP.has(name)) headers.append(name, value)
      return new Response(body, { status: head.status, statusText: head.statusText, headers })
    } catch (error) {
      throw new Http1ProtocolError(
        `upstream answer cannot be a Response: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }

  private settle(response: Response): void {
    if (this.settled) return
    this.settled = true
    this.resolve(response)
  }

  private destroy(error: unknown): void {
    if (this.finished) return
    this.finished = true
    clearTimeout(this.discardTimer)
    this.signal?.removeEventListener('abort', this.onAbort)
    const connection = this.connection
    if (connection !== undefined) {
      connection.exchange = undefined
      connection.socket?.terminate()
    }
    this.fail(error)
  }

  private fail(error: unknown): void {
    this.finished = true
    this.signal?.removeEventListener('abort', this.onAbort)
    if (!this.settled) {
      this.settled = true
      this.reject(error)
      return
    }
    if (!this.streamed || this.bodyEnded) return
    this.bodyError = error
    const sink = this.sink
    this.sink = undefined
    if (sink !== undefined) sink.error(error)
    else this.feedStream()
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError')
}

function joinParts(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array
  return Buffer.concat(parts)
}

function parseTarget(url: string): Target {
  const parsed = new URL(url)
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname
  return {
    origin: parsed.origin,
    hostname,
    port: parsed.port === '' ? 80 : Number(parsed.port),
    path: `${parsed.pathname}${parsed.search}`,
    hostHeader: parsed.host,
  }
}

function requestMessage(target: Target, init: UpstreamRequestInit): string {
  let head = `${init.method} ${target.path} HTTP/1.1\r\nhost: ${target.hostHeader}\r\n`
  for (const name in init.headers) {
    const value = init.headers[name] as string
    // A header value with a line break would let a value write headers (or a request) of its own.
    if (UNSAFE_HEADER_VALUE.test(value) || UNSAFE_HEADER_VALUE.test(name)) {
      throw new TypeError(`header ${JSON.stringify(name)} has a line break or NUL in its name or value`)
    }
    if (REQUEST_OWN.has(name.toLowerCase())) continue
    head += `${name}: ${value}\r\n`
  }
  if (init.body !== undefined) head += `content-length: ${Buffer.byteLength(init.body)}\r\n`
  return `${head}\r\n${init.body ?? ''}`
}

export function createHttp1Transport(options: Http1TransportOptions = {}): Http1Transport {
  const settings: Required<Http1TransportOptions> = {
    idleTimeoutMs: options.idleTimeoutMs ?? 4_000,
    maxIdlePerOrigin: options.maxIdlePerOrigin ?? 512,
    streamQueueChunks: options.streamQueueChunks ?? 16,
    discardGraceMs: options.discardGraceMs ?? 2_000,
    staleRetryWindowMs: options.staleRetryWindowMs ?? 250,
  }
  const targets = new Map<string, Target>()
  const pools = new Map<string, OriginPool>()
  let closed = false
  const sweeper = setInterval(
    () => {
      const now = performance.now()
      for (const pool of pools.values()) pool.sweep(now)
    },
    Math.max(250, Math.floor(settings.idleTimeoutMs / 4)),
  )
  sweeper.unref()

  const request: UpstreamTransport = (url, init) => {
    let target = targets.get(url)
    if (target === undefined) {
      // https, and credentials in the URL (fetch sends them as basic auth), are fetch's to handle.
      if (!url.startsWith('http://') || url.includes('@', 7))
        return fetch(url, { ...init, redirect: 'manual' })
      target = parseTarget(url)
      if (targets.size < TARGET_CACHE_LIMIT) targets.set(url, target)
    }
    let pool = pools.get(target.origin)
    if (pool === undefined) {
      pool = new OriginPool(target, settings)
      pool.closed = closed
      pools.set(target.origin, pool)
    }
    let message: string
    try {
      message = requestMessage(target, init)
    } catch (error) {
      return Promise.reject(error)
    }
    // One retry, only when a reused connection closes before any answer (see Exchange.onClose).
    return new Exchange(pool, message, init.signal, 1).response
  }

  return {
    request,
    stats() {
      let open = 0
      let idle = 0
      for (const pool of pools.values()) {
        open += pool.open
        idle += pool.idle.length
      }
      return { open, idle }
    },
    statsFor(url) {
      let origin: string
      try {
        origin = new URL(url).origin
      } catch {
        return undefined
      }
      const pool = pools.get(origin)
      return pool ? { open: pool.open, idle: pool.idle.length } : undefined
    },
    close() {
      closed = true
      clearInterval(sweeper)
      for (const pool of pools.values()) {
        // Busy connections finish their request (a drain may have ended with some in flight), then close.
        pool.closed = true
        for (const connection of pool.idle.splice(0)) connection.socket?.end()
      }
    },
  }
}
