/**
 * @module Incremental HTTP/1.1 response parser (RFC 9112): status line, headers, then the body framed by
 * Transfer-Encoding: chunked, Content-Length, or the connection's close. Bytes go in as the socket delivers them;
 * the head, each body piece (a view of the input, never a copy) and the end come out through a sink, so a streamed
 * answer costs no array or promise per read.
 */
import { blankLineEnd, concatBytes } from './bytes.ts'

export interface ResponseHead {
  status: number
  statusText: string
  /** Names lower-cased, in arrival order; a repeated header appears once per line. */
  headers: Array<[string, string]>
  /** The connection may carry another request once this response has been read to its end. */
  keepAlive: boolean
  /** How the body is delimited: none (204, 304, HEAD), by length, by chunks, or by the server closing. */
  framing: 'none' | 'length' | 'chunked' | 'close'
  /** Body bytes announced by Content-Length, when framing is 'length'. */
  contentLength: number
}

export interface ResponseSink {
  head(head: ResponseHead): void
  body(bytes: Uint8Array): void
  end(): void
}

/** The server broke HTTP/1.1: the connection cannot be trusted, for this response or any later one. */
export class Http1ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Http1ProtocolError'
  }
}

export interface ParserOptions {
  /** A HEAD request's response carries no body whatever its headers say. */
  headRequest?: boolean
  /** Longest status line plus headers accepted (default 64 KiB), so a broken server cannot grow memory without end. */
  maxHeadBytes?: number
}

const CR = 13
const LF = 10
const DEFAULT_MAX_HEAD = 64 * 1024
/** Chunk-size lines and trailers are short; anything longer is not HTTP. */
const MAX_LINE = 8 * 1024
/** RFC 9110 token: a header name with anything else (a space before the colon, say) is not one we can frame by. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const DIGITS = /^\d+$/

enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

const latin1 = new TextDecoder('latin1')

export class Http1ResponseParser {
  private state = State.Head
  /** Bytes of an unfinished head or line, carried to the next feed. */
  private pending: Uint8Array | undefined
  private remaining = 0
  private keepAlive = false
  /** Bytes that arrived after the response ended: the connection is out of step and must not be reused. */
  extraBytes = false

  constructor(
    private readonly sink: ResponseSink,
    private readonly options: ParserOptions = {},
  ) {}

  get done(): boolean {
    return this.state === State.Done
  }

  /** True once the head arrived: a failure after this point can no longer be retried as "no answer". */
  get started(): boolean {
    return this.state !== State.Head || this.pending !== undefined
  }

  feed(chunk: Uint8Array): void {
    let bytes = chunk
    let offset = 0
    if (this.pending !== undefined && this.state !== State.UntilClose) {
      bytes = concatBytes(this.pending, chunk)
      this.pending = undefined
    }
    while (offset < bytes.length) {
      switch (this.state) {
        case State.Head: {
          const end = blankLineEnd(bytes, offset)
          if (end === -1) {
            if (bytes.length - offset > (this.options.maxHeadBytes ?? DEFAULT_MAX_HEAD)) {
              throw new Http1ProtocolError('response head is too large')
            }
            this.pending = bytes.subarray(offset)
            return
          }
          const informational = this.parseHead(bytes.subarray(offset, end), end < bytes.length)
          offset = end
          if (informational) continue
          break
        }
        case State.Length:
          offset = this.takeBody(bytes, offset)
          if (this.remaining === 0) this.finish(offset < bytes.length)
          break
        case State.ChunkSize: {
          const lineEnd = bytes.indexOf(LF, offset)
          if (lineEnd === -1) {
            this.keepPartialLine(bytes, offset)
            return
          }
          this.remaining = chunkSize(bytes, offset, lineEnd)
          offset = lineEnd + 1
          this.state = this.remaining === 0 ? State.Trailers : State.ChunkData
          break
        }
        case State.ChunkData:
          offset = this.takeBody(bytes, offset)
          if (this.remaining === 0) this.state = State.ChunkDataEnd
          break
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data; it may arrive split across reads.
          const byte = bytes[offset] as number
          if (byte === CR && this.remaining === 0) {
            this.remaining = 1
            offset++
            break
          }
          if (byte !== LF) throw new Http1ProtocolError('chunk data is not followed by CRLF')
          this.remaining = 0
          offset++
          this.state = State.ChunkSize
          break
        }
        case State.Trailers: {
          const lineEnd = bytes.indexOf(LF, offset)
          if (lineEnd === -1) {
            this.keepPartialLine(bytes, offset)
            return
          }
          const empty = lineEnd === offset || (lineEnd === offset + 1 && bytes[offset] === CR)
          offset = lineEnd + 1
          // Trailer fields are allowed and ignored: nothing we relay depends on them.
          if (empty) this.finish(offset < bytes.length)
          break
        }
        case State.UntilClose:
          this.emit(bytes, offset, bytes.length)
          offset = bytes.length
          break
        case State.Done:
          this.extraBytes = true
          return
      }
    }
  }

  /** The connection closed: completes a body that runs until close, and is an error for anything unfinished. */
  closed(): void {
    if (this.state === State.Done) return
    if (this.state === State.UntilClose) {
      this.finish(false)
      return
    }
    throw new Http1ProtocolError(
      this.started
        ? 'upstream closed the connection before the response completed'
        : 'upstream closed the connection without a response',
    )
  }

  /** Parses one head (including its blank line); true for a 1xx head, after which the real head follows. */
  private parseHead(head: Uint8Array, more: boolean): boolean {
    const text = latin1.decode(head)
    let lineEnd = text.indexOf('\n')
    const statusLine = text.slice(0, text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd)
    const status = statusCode(statusLine)
    if (status >= 100 && status < 200 && status !== 101) return true
    // We never ask to switch protocols, and a status outside 200-599 cannot be handed on as a Response.
    if (status < 200 || status > 599) throw new Http1ProtocolError(`unexpected status ${status}`)
    const headers: Array<[string, string]> = []
    let contentLength = -1
    let chunked = false
    let transferEncoding = false
    let closeAsked = false
    let keepAliveAsked = false
    for (let start = lineEnd + 1; start < text.length; start = lineEnd + 1) {
      lineEnd = text.indexOf('\n', start)
      if (lineEnd === -1) lineEnd = text.length
      const stop = lineEnd > start && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd
      if (stop === start) continue
      const colon = text.indexOf(':', start)
      const rawName = colon > start && colon < stop ? text.slice(start, colon) : ''
      if (rawName === '' || !TOKEN.test(rawName)) {
        throw new Http1ProtocolError(
          `malformed header line: ${JSON.stringify(text.slice(start, stop).slice(0, 80))}`,
        )
      }
      const name = rawName.toLowerCase()
      const value = text.slice(colon + 1, stop).trim()
      headers.push([name, value])
      if (name === 'content-length') {
        if (!DIGITS.test(value) || (contentLength !== -1 && contentLength !== Number(value))) {
          throw new Http1ProtocolError(`invalid content-length: ${JSON.stringify(value.slice(0, 40))}`)
        }
        contentLength = Number(value)
      } else if (name === 'transfer-encoding') {
        const codings = value.toLowerCase().split(',')
        // Only a final chunked coding delimits the body (RFC 9112 §6.3); anything else runs until close.
        chunked = codings[codings.length - 1]?.trim() === 'chunked'
        transferEncoding = true
      } else if (name === 'connection') {
        for (const option of value.toLowerCase().split(',')) {
          const trimmed = option.trim()
          if (trimmed === 'close') closeAsked = true
          else if (trimmed === 'keep-alive') keepAliveAsked = true
        }
      }
    }
    // Transfer-Encoding overrides Content-Length whichever comes first (RFC 9112 §6.3); a message with both may be
    // an attempt at response splitting, so its connection is not trusted with another request.
    const both = transferEncoding && contentLength !== -1
    if (transferEncoding) contentLength = -1
    const http11 = statusLine.charCodeAt(7) === 49
    this.keepAlive = !closeAsked && !both && (http11 || keepAliveAsked)
    let framing: ResponseHead['framing']
    if (this.options.headRequest || status === 204 || status === 304) framing = 'none'
    else if (chunked) framing = 'chunked'
    else if (contentLength !== -1) framing = 'length'
    else framing = 'close'
    if (framing === 'close') this.keepAlive = false
    this.sink.head({
      status,
      statusText: statusLine.length > 13 ? statusLine.slice(13) : '',
      headers,
      keepAlive: this.keepAlive,
      framing,
      contentLength: contentLength === -1 ? 0 : contentLength,
    })
    if (framing === 'none' || (framing === 'length' && contentLength === 0)) this.finish(more)
    else if (framing === 'length') {
      this.remaining = contentLength
      this.state = State.Length
    } else if (framing === 'chunked') this.state = State.ChunkSize
    else this.state = State.UntilClose
    return false
  }

  /** Hands on up to `remaining` body bytes from `offset`; returns the offset after them. */
  private takeBody(bytes: Uint8Array, offset: number): number {
    const take = Math.min(this.remaining, bytes.length - offset)
    this.emit(bytes, offset, offset + take)
    this.remaining -= take
    return offset + take
  }

  private emit(bytes: Uint8Array, start: number, end: number): void {
    if (end <= start) return
    this.sink.body(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end))
  }

  private keepPartialLine(bytes: Uint8Array, offset: number): void {
    if (bytes.length - offset > MAX_LINE) throw new Http1ProtocolError('chunk header line is too long')
    this.pending = bytes.subarray(offset)
  }

  /** `more`: bytes follow in this read, so the connection is out of step; known before `end` so no one reuses it. */
  private finish(more: boolean): void {
    this.state = State.Done
    if (more) this.extraBytes = true
    this.sink.end()
  }
}

/** The code of an `HTTP/1.0` or `HTTP/1.1` status line ("HTTP/1.1 200 OK"; the reason phrase may be empty). */
function statusCode(line: string): number {
  const version = line.startsWith('HTTP/1.1 ') || line.startsWith('HTTP/1.0 ')
  const code = version ? line.slice(9, 12) : ''
  if (!DIGITS.test(code) || code.length !== 3 || (line.length > 12 && line.charCodeAt(12) !== 32)) {
    throw new Http1ProtocolError(`malformed status line: ${JSON.stringify(line.slice(0, 80))}`)
  }
  return Number(code)
}

/** The hex size at the start of a chunk-size line (extensions after ';' ignored). */
function chunkSize(bytes: Uint8Array, start: number, lineEnd: number): number {
  let size = 0
  let digits = 0
  for (let i = start; i < lineEnd; i++) {
    const byte = bytes[i] as number
    const digit = hexValue(byte)
    if (digit === -1) {
      if (byte === 59 /* ; */ || byte === 32 || byte === 9 || (byte === CR && i === lineEnd - 1)) break
      throw new Http1ProtocolError('malformed chunk size')
    }
    size = size * 16 + digit
    if (++digits > 12) throw new Http1ProtocolError('chunk size is too large')
  }
  if (digits === 0) throw new Http1ProtocolError('malformed chunk size')
  return size
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48
  if (byte >= 97 && byte <= 102) return byte - 87
  if (byte >= 65 && byte <= 70) return byte - 55
  return -1
}
