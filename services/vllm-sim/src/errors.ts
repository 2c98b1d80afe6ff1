/** @module vLLM's error bodies: the nested v0.10.1+ ErrorResponse, and the bare 401 body of its API-key check. */

/** HTTP status → the `type` vLLM (and the OpenAI SDK's error classes) name it. Unlisted statuses fall back by class. */
const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  408: 'RequestTimeoutError',
  409: 'ConflictError',
  413: 'RequestEntityTooLargeError',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  501: 'NotImplementedError',
  502: 'BadGatewayError',
  503: 'ServiceUnavailableError',
  504: 'GatewayTimeoutError',
}

/** Messages used when a fault is injected without one, close to what clients meet in real deployments. */
const DEFAULT_MESSAGE_BY_STATUS: Readonly<Record<number, string>> = {
  429: 'Rate limit exceeded (simulated).',
  500: 'Internal server error (simulated).',
  502: 'Bad gateway (simulated).',
  503: 'The server is overloaded or not ready yet.',
  504: 'Gateway timeout (simulated).',
}

export function errorType(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequestError')
}

export function defaultErrorMessage(status: number): string {
  return DEFAULT_MESSAGE_BY_STATUS[status] ?? `Simulated error with status ${status}.`
}

/** An error that becomes an HTTP response with vLLM's body; thrown anywhere, rendered once by the server. */
export class SimError extends Error {
  readonly status: number
  readonly param: string | null

  constructor(status: number, message: string, param: string | null = null) {
    super(message)
    this.name = 'SimError'
    this.status = status
    this.param = param
  }
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: number }
}

export function errorBody(status: number, message: string, param: string | null = null): ErrorBody {
  return { error: { message, type: errorType(status), param, code: status } }
}

const JSON_HEADERS = { 'content-type': 'application/json' }

export function errorResponse(status: number, message: string, param: string | null = null): Response {
  return new Response(JSON.stringify(errorBody(status, message, param)), { status, headers: JSON_HEADERS })
}

/** Renders anything thrown by a handler: a SimError keeps its status, anything else is a 500. */
export function renderError(error: unknown): Response {
  if (error instanceof SimError) return errorResponse(error.status, error.message, error.param)
  const message = error instanceof Error ? error.message : String(error)
  return errorResponse(500, message)
}

/** vLLM's API-key middleware answers with this body, not with ErrorResponse. */
export function unauthorizedResponse(): Response {
  return new Response('{"error":"Unauthorized"}', { status: 401, headers: JSON_HEADERS })
}

/** FastAPI's own 404/405 for routes that do not exist. */
export function notFoundResponse(): Response {
  return new Response('{"detail":"Not Found"}', { status: 404, headers: JSON_HEADERS })
}

export function methodNotAllowedResponse(): Response {
  return new Response('{"detail":"Method Not Allowed"}', { status: 405, headers: JSON_HEADERS })
}
