/** @module Renders errors in OpenAI's shape and translates vLLM's two error body shapes into it. */
import { ERROR_KINDS, GatewayError } from './gateway-error.ts'

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

export const errorBody = (error: GatewayError): OpenAIErrorBody => ({
  error: { message: error.message, type: error.type, param: error.param, code: error.code },
})

const JSON_HEADERS = { 'content-type': 'application/json' }

export function errorResponse(error: GatewayError, extraHeaders: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorBody(error)), {
    status: error.status,
    headers: { ...JSON_HEADERS, ...error.headers, ...extraHeaders },
  })
}

/** An SSE error event as vLLM and OpenAI send it once a stream has begun, followed by the end marker. */
export const sseErrorEvent = (error: GatewayError): string =>
  `data: ${JSON.stringify(errorBody(error))}\n\ndata: [DONE]\n\n`

interface VllmErrorFields {
  message?: unknown
  type?: unknown
  param?: unknown
}

/** Statuses whose upstream meaning the client should see as-is; others become a 502 from us. */
const KEPT_STATUSES = new Set([400, 404, 413, 422, 429, 501, 503])

/**
 * Builds the client's error from an upstream error response. vLLM ≥0.10.1 nests `{"error":{...}}`, older builds send
 * a flat `{"object":"error","message",...}`, and its 401 is `{"error":"Unauthorized"}`; a proxy in between may send HTML.
 */
export function translateUpstreamError(status: number, bodyText: string): GatewayError {
  let fields: VllmErrorFields = {}
  try {
    const parsed: unknown = JSON.parse(bodyText)
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>
      fields = record.error && typeof record.error === 'object' ? (record.error as VllmErrorFields) : record
      if (typeof record.error === 'string') fields = { message: record.error }
      if (typeof record.detail === 'string') fields = { message: record.detail }
    }
  } catch {
    // Not JSON: keep a short excerpt so the client still learns something.
  }
  const message =
    typeof fields.message === 'string' && fields.message !== ''
      ? fields.message
      : `upstream returned HTTP ${status}${bodyText ? `: ${bodyText.slice(0, 200)}` : ''}`
  const param = typeof fields.param === 'string' ? fields.param : null

  if (status === 401 || status === 403) {
    // The gateway holds the upstream credential; a client cannot fix this, so it is our server-side failure.
    return new GatewayError('upstream_error', 'the upstream rejected the gateway credentials', {
      status: 502,
    })
  }
  if (status === 404) return new GatewayError('model_not_found', message, { param: param ?? 'model' })
  if (status === 400 || status === 422)
    return new GatewayError('invalid_request', message, { param, status: 400 })
  if (status === 413) return new GatewayError('payload_too_large', message, { param })
  if (status === 429) return new GatewayError('rate_limit_exceeded', message, { param })
  if (KEPT_STATUSES.has(status)) {
    return new GatewayError('upstream_error', message, {
      status,
      param,
      type: ERROR_KINDS.upstream_error.type,
    })
  }
  return new GatewayError('upstream_error', message, { status: 502, param })
}
