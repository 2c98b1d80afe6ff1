import { describe, expect, test } from 'bun:test'
import {
  defaultErrorMessage,
  errorBody,
  errorType,
  methodNotAllowedResponse,
  notFoundResponse,
  renderError,
  SimError,
  unauthorizedResponse,
} from './errors.ts'

describe('errors', () => {
  test('the nested v0.10.1+ body with an integer code', () => {
    expect(errorBody(400, 'bad', 'n')).toEqual({
      error: { message: 'bad', type: 'BadRequestError', param: 'n', code: 400 },
    })
  })

  test('types follow the OpenAI SDK class names, with a fallback per class', () => {
    expect([errorType(404), errorType(429), errorType(503), errorType(599), errorType(418)]).toEqual([
      'NotFoundError',
      'RateLimitError',
      'ServiceUnavailableError',
      'InternalServerError',
      'BadRequestError',
    ])
    expect(defaultErrorMessage(503)).toBe('The server is overloaded or not ready yet.')
    expect(defaultErrorMessage(418)).toContain('418')
  })

  test('renderError keeps a SimError status and turns anything else into a 500', async () => {
    const known = renderError(new SimError(404, 'gone', 'model'))
    expect(known.status).toBe(404)
    expect(await known.json()).toEqual(errorBody(404, 'gone', 'model'))
    const unknown = renderError('boom')
    expect(unknown.status).toBe(500)
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('boom')
  })

  test('vLLM and FastAPI bodies that are not ErrorResponse', async () => {
    expect(await unauthorizedResponse().text()).toBe('{"error":"Unauthorized"}')
    expect(unauthorizedResponse().status).toBe(401)
    expect(await notFoundResponse().json()).toEqual({ detail: 'Not Found' })
    expect(methodNotAllowedResponse().status).toBe(405)
  })
})
