/** @module One HTTP exchange with an upstream: headers, time-to-first-byte limit, and failures by kind. */
import type { UpstreamTransport } from './http1-transport.ts'

export type UpstreamFailureKind = 'connect' | 'timeout' | 'aborted'

/** A failure before the upstream answered: the request may be retried elsewhere only when kind is 'connect'. */
export class UpstreamFailure extends Error {
  readonly kind: UpstreamFailureKind

  constructor(kind: UpstreamFailureKind, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'UpstreamFailure'
    this.kind = kind
  }
}

export interface UpstreamRequest {
  url: string
  body: string
  headers: Record<string, string>
  /** The client's signal: its disconnect aborts the upstream request. */
  clientSignal: AbortSignal | undefined
  /** Time allowed until response headers arrive. */
  timeoutMs: number
  /** How the request travels (the gateway's HTTP/1.1 pool); fetch when absent. */
  transport?: UpstreamTransport
}

export interface UpstreamExchange {
  response: Response
  /** Aborts the upstream request (client gone, stream idle, shutdown). */
  abort: (reason?: unknown) => void
  /** Stops the time-to-first-byte timer once the caller takes over the body. */
  clearTimeout: () => void
  /** The exchange is over: stop the timer and stop listening to the client's signal (a stream may last minutes). */
  detach: () => void
  /** True once the time-to-first-byte limit fired (a body read that fails afterwards is a timeout). */
  timedOut: () => boolean
}

export async function sendUpstream(request: UpstreamRequest): Promise<UpstreamExchange> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new Error('upstream timeout'))
  }, request.timeoutMs)
  const onClientAbort = () => controller.abort(new Error('client disconnected'))
  if (request.clientSignal?.aborted) onClientAbort()
  request.clientSignal?.addEventListener('abort', onClientAbort, { once: true })
  const abort = (reason?: unknown) => controller.abort(reason)
  const stopTimer = () => clearTimeout(timer)
  const detach = () => {
    clearTimeout(timer)
    request.clientSignal?.removeEventListener('abort', onClientAbort)
  }
  try {
    const init = {
      method: 'POST',
      body: request.body,
      headers: request.headers,
      signal: controller.signal,
    } as const
    // Redirects from an inference server would be a misconfiguration: never followed.
    const response = await (request.transport
      ? request.transport(request.url, init)
      : fetch(request.url, { ...init, redirect: 'manual' }))
    return { response, abort, clearTimeout: stopTimer, detach, timedOut: () => timedOut }
  } catch (error) {
    detach()
    if (timedOut) throw new UpstreamFailure('timeout', `no response within ${request.timeoutMs} ms`, error)
    if (request.clientSignal?.aborted) throw new UpstreamFailure('aborted', 'client disconnected', error)
    throw new UpstreamFailure('connect', error instanceof Error ? error.message : String(error), error)
  }
}
