import { describe, expect, test } from 'bun:test'
import { GatewayError } from './gateway-error.ts'
import { errorBody, errorResponse, sseErrorEvent, translateUpstreamError } from './openai-error.ts'

describe('OpenAI error rendering', () => {
  test('renders the four fields and the kind status with extra headers', async () => {
    const error = new GatewayError('rate_limit_exceeded', 'slow down', { headers: { 'retry-after': '2' } })
    const response = errorResponse(error, { 'x-request-id': 'r' })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('2')
    expect(response.headers.get('x-request-id')).toBe('r')
    expect(await response.json()).toEqual({
      error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    })
  })

  test('an SSE error event is followed by [DONE]', () => {
    const event = sseErrorEvent(new GatewayError('upstream_timeout', 'silent'))
    expect(event).toBe(
      `data: ${JSON.stringify(errorBody(new GatewayError('upstream_timeout', 'silent')))}\n\ndata: [DONE]\n\n`,
    )
  })
})

describe('translateUpstreamError', () => {
  test('reads vLLM ≥0.10.1 nested errors and keeps a 400 as invalid_request', () => {
    const body =
      '{"error":{"message":"This model\'s maximum context length is 8 tokens.","type":"BadRequestError","param":null,"code":400}}'
    const error = translateUpstreamError(400, body)
    expect(error.status).toBe(400)
    expect(error.code).toBe('invalid_request')
    expect(error.message).toContain('maximum context length')
  })

  test('reads the flat pre-0.10.1 shape and maps an unknown model to model_not_found', () => {
    const body =
      '{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":"model","code":404}'
    const error = translateUpstreamError(404, body)
    expect(error).toMatchObject({
      status: 404,
      code: 'model_not_found',
      param: 'model',
      message: 'The model `x` does not exist.',
    })
  })

  test('hides an upstream 401 as our own 502: the client cannot fix the gateway credential', () => {
    const error = translateUpstreamError(401, '{"error":"Unauthorized"}')
    expect(error).toMatchObject({ status: 502, code: 'upstream_error' })
    expect(error.message).not.toContain('Unauthorized')
  })

  test('keeps meaningful statuses and turns the rest into 502', () => {
    expect(translateUpstreamError(503, '').status).toBe(503)
    expect(translateUpstreamError(501, '{"detail":"Not Implemented"}')).toMatchObject({
      status: 501,
      message: 'Not Implemented',
    })
    expect(translateUpstreamError(429, '{}').code).toBe('rate_limit_exceeded')
    expect(translateUpstreamError(413, '{}').code).toBe('payload_too_large')
    const html = translateUpstreamError(500, '<html>oops</html>')
    expect(html).toMatchObject({ status: 502, code: 'upstream_error' })
    expect(html.message).toContain('<html>oops')
  })
})
