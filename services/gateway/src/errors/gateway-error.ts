/** @module The one error type of the gateway: thrown anywhere, rendered once in OpenAI's shape. */

/** Every failure the gateway reports, with its HTTP status, OpenAI `type` and `code`. A table, not branches. */
export const ERROR_KINDS = {
  invalid_request: { status: 400, type: 'invalid_request_error', code: 'invalid_request' },
  invalid_json: { status: 400, type: 'invalid_request_error', code: 'invalid_json' },
  invalid_api_key: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  forbidden: { status: 403, type: 'invalid_request_error', code: 'forbidden' },
  not_found: { status: 404, type: 'invalid_request_error', code: 'not_found' },
  model_not_found: { status: 404, type: 'invalid_request_error', code: 'model_not_found' },
  method_not_allowed: { status: 405, type: 'invalid_request_error', code: 'method_not_allowed' },
  payload_too_large: { status: 413, type: 'invalid_request_error', code: 'payload_too_large' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', code: 'unsupported_media_type' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  insufficient_quota: { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' },
  client_closed_request: { status: 499, type: 'invalid_request_error', code: 'client_closed_request' },
  internal_error: { status: 500, type: 'server_error', code: 'internal_error' },
  upstream_error: { status: 502, type: 'upstream_error', code: 'upstream_error' },
  no_healthy_upstream: { status: 503, type: 'server_error', code: 'no_healthy_upstream' },
  circuit_open: { status: 503, type: 'server_error', code: 'circuit_open' },
  server_busy: { status: 503, type: 'server_error', code: 'server_busy' },
  shutting_down: { status: 503, type: 'server_error', code: 'shutting_down' },
  upstream_timeout: { status: 504, type: 'timeout_error', code: 'upstream_timeout' },
} as const satisfies Record<string, { status: number; type: string; code: string }>

export type ErrorKind = keyof typeof ERROR_KINDS

export interface GatewayErrorOptions {
  param?: string | null
  /** Overrides the kind's status, e.g. to keep a meaningful upstream status. */
  status?: number
  /** Overrides the kind's OpenAI type, e.g. an upstream's own. */
  type?: string
  headers?: Record<string, string>
  cause?: unknown
}

export class GatewayError extends Error {
  readonly kind: ErrorKind
  readonly status: number
  readonly type: string
  readonly code: string
  readonly param: string | null
  readonly headers: Record<string, string>
  /** The served model the failed request was for, when known: a metric label, never a client's free text. */
  model: string | undefined

  constructor(kind: ErrorKind, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'GatewayError'
    const spec = ERROR_KINDS[kind]
    this.kind = kind
    this.status = options.status ?? spec.status
    this.type = options.type ?? spec.type
    this.code = spec.code
    this.param = options.param ?? null
    this.headers = options.headers ?? {}
  }
}
