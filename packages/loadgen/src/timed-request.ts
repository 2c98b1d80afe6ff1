/** @module Sends one request and times it: SSE events as they arrive, or the whole JSON body. */
import type { RequestSpec } from './chat-request.ts'
import { readChunk } from './openai-chunk.ts'
import type { ErrorKind, RequestResult } from './request-result.ts'
import { createSseParser } from './sse-parser.ts'

export interface SendOptions {
  /** The clock the run uses (ms); performance.now by default. */
  readonly now?: () => number
  /** Scheduled send time; defaults to the moment of sending. */
  readonly intendedMs?: number
  /** Give up after this long from sending (ms); the request counts as a timeout. */
  readonly timeoutMs?: number
}

class RequestFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message)
  }
}

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && !error.message.includes(code)
    ? `${code}: ${error.message}`
    : error.message
}

/** Sends `spec` and never throws: every failure is a result with an `error`. */
export async function sendTimed(spec: RequestSpec, options: SendOptions = {}): Promise<RequestResult> {
  const now = options.now ?? (() => performance.now())
  const sentMs = now()
  const intendedMs = options.intendedMs ?? sentMs
  const controller = new AbortController()
  let timedOut = false
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true
          controller.abort()
        }, options.timeoutMs)
  const timing: StreamTiming = { firstChunkMs: undefined, firstTokenMs: undefined, tokens: 0 }
  const gapsMs: number[] = []
  let status = 0
  const finish = (error?: { kind: ErrorKind; message: string }): RequestResult => ({
    intendedMs,
    sentMs,
    endMs: now(),
    status,
    ...(error ? { error } : {}),
    ...(timing.firstChunkMs === undefined ? {} : { firstChunkMs: timing.firstChunkMs }),
    ...(timing.firstTokenMs === undefined ? {} : { firstTokenMs: timing.firstTokenMs }),
    gapsMs,
    completionTokens: timing.tokens,
  })
  let response: Response
  try {
    response = await fetch(spec.url, {
      method: 'POST',
      headers: spec.headers,
      body: spec.body,
      signal: controller.signal,
    })
  } catch (error) {
    clearTimeout(timer)
    return finish({ kind: timedOut ? 'timeout' : 'connect', message: describe(error) })
  }
  status = response.status
  try {
    if (!response.ok) {
      const text = await response.text()
      throw new RequestFailure('http', `HTTP ${status}: ${text.slice(0, 200)}`)
    }
    if (spec.stream) await readStream(response, now, timing, gapsMs)
    else timing.tokens = readBody(await response.text())
    return finish()
  } catch (error) {
    if (timedOut)
      return finish({ kind: 'timeout', message: `no complete response within ${options.timeoutMs} ms` })
    if (error instanceof RequestFailure) return finish({ kind: error.kind, message: error.message })
    return finish({ kind: 'truncated', message: describe(error) })
  } finally {
    clearTimeout(timer)
  }
}

function readBody(text: string): number {
  let body: { error?: { message?: unknown }; usage?: { completion_tokens?: unknown } }
  try {
    body = JSON.parse(text)
  } catch {
    throw new RequestFailure('invalid_response', `body is not JSON: ${text.slice(0, 100)}`)
  }
  if (body === null || typeof body !== 'object')
    throw new RequestFailure('invalid_response', 'body is not an object')
  if (body.error) throw new RequestFailure('inband_error', String(body.error.message ?? 'error'))
  const tokens = body.usage?.completion_tokens
  return typeof tokens === 'number' ? tokens : 0
}

interface StreamTiming {
  firstChunkMs: number | undefined
  firstTokenMs: number | undefined
  /** Kept current while reading, so a stream that fails half-way still reports what it delivered. */
  tokens: number
}

async function readStream(response: Response, now: () => number, timing: StreamTiming, gapsMs: number[]) {
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('text/event-stream')) {
    await response.body?.cancel()
    throw new RequestFailure(
      'invalid_response',
      `expected text/event-stream, got ${type || 'no content-type'}`,
    )
  }
  const parser = createSseParser()
  const decoder = new TextDecoder()
  let done = false
  let lastTokenMs: number | undefined
  let contentChunks = 0
  let usageTokens: number | undefined
  let failure: RequestFailure | undefined
  const take = (payloads: string[], at: number): void => {
    for (const payload of payloads) {
      timing.firstChunkMs ??= at
      const event = readChunk(payload)
      if (event.kind === 'done') done = true
      else if (event.kind === 'error') failure ??= new RequestFailure('inband_error', event.message)
      else if (event.kind === 'invalid')
        failure ??= new RequestFailure('invalid_response', `unparseable chunk: ${payload.slice(0, 100)}`)
      else {
        if (event.completionTokens !== undefined) usageTokens = event.completionTokens
        if (event.content) {
          contentChunks += 1
          if (lastTokenMs === undefined) timing.firstTokenMs = at
          else gapsMs.push(at - lastTokenMs)
          lastTokenMs = at
        }
        timing.tokens = usageTokens ?? contentChunks
      }
    }
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  for (;;) {
    const { value, done: ended } = await reader.read()
    if (ended) break
    take(parser.push(decoder.decode(value, { stream: true })), now())
  }
  take(parser.end(), now())
  if (failure) throw failure
  if (!done)
    throw new RequestFailure('truncated', `stream ended without [DONE] after ${contentChunks} content chunks`)
}
