/** @module Renders every error once, in OpenAI's shape: ours, Elysia's validation/parse/404, and anything unexpected. */
import type { Logger } from '@infergate/logger'
import { Elysia } from 'elysia'
import { GatewayError } from '../errors/gateway-error.ts'
import { errorResponse } from '../errors/openai-error.ts'

interface ValueErrorLike {
  path?: string
  message?: string
  schema?: { error?: unknown }
}

/** JSON pointer "/messages/0/role" → "messages[0].role", the way OpenAI names params. */
export function paramFromPointer(pointer: string | undefined): string | null {
  if (!pointer || pointer === '/') return null
  return pointer
    .split('/')
    .filter(Boolean)
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '')
}

function validationError(error: unknown): GatewayError {
  const valueError = (error as { valueError?: ValueErrorLike }).valueError
  const param = paramFromPointer(valueError?.path)
  const custom = valueError?.schema?.error
  const detail = typeof custom === 'string' ? custom : (valueError?.message ?? 'is invalid')
  const message = param ? `Invalid value for '${param}': ${detail}` : `Invalid request body: ${detail}`
  return new GatewayError('invalid_request', message, { param })
}

export interface ErrorHandlerOptions {
  log: Logger
  /** Paths the gateway serves, to answer 405 rather than 404 for a known path with the wrong method. */
  knownPath: (path: string) => boolean
  /** Every error response, for the request counter. */
  onErrorResponse?: (route: string, model: string, error: GatewayError, requestId: string | undefined) => void
}

export const errorHandler = (options: ErrorHandlerOptions) =>
  new Elysia({ name: 'gateway.error-handler' }).onError(
    { as: 'global' },
    ({ code, error, request, path, set }) => {
      let gatewayError: GatewayError
      // Elysia wraps what a body parser throws in its own ParseError; ours carries the real reason (e.g. 413).
      const cause = (error as { cause?: unknown }).cause
      if (error instanceof GatewayError) gatewayError = error
      else if (cause instanceof GatewayError) gatewayError = cause
      else if (code === 'VALIDATION') gatewayError = validationError(error)
      else if (code === 'PARSE') {
        gatewayError = new GatewayError('invalid_json', 'We could not parse the JSON body of your request.')
      } else if (code === 'NOT_FOUND') {
        gatewayError = options.knownPath(path)
          ? new GatewayError('method_not_allowed', `Method ${request.method} is not allowed on ${path}`)
          : new GatewayError('not_found', `Unknown request URL: ${request.method} ${path}`)
      } else {
        options.log.error({ err: error, path }, 'unhandled error')
        gatewayError = new GatewayError('internal_error', 'The gateway failed to process the request.')
      }
      if (gatewayError.status >= 500) {
        options.log.warn(
          { path, status: gatewayError.status, code: gatewayError.code, message: gatewayError.message },
          'request failed',
        )
      }
      options.onErrorResponse?.(
        options.knownPath(path) ? path.replace(/^\/api\/v1\//, '/v1/') : 'unmatched',
        gatewayError.model ?? 'unknown',
        gatewayError,
        typeof set.headers['x-request-id'] === 'string' ? set.headers['x-request-id'] : undefined,
      )
      return errorResponse(gatewayError)
    },
  )
