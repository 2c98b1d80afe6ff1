import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { RequestSpec } from '../src/chat-request.ts'
import { sendTimed } from '../src/timed-request.ts'
import { type Fixture, startFixture, startResetServer } from './fixture-server.ts'

let fixture: Fixture
beforeAll(() => {
  fixture = startFixture()
})
afterAll(() => fixture.stop())

const spec = (mode: string, stream: boolean): RequestSpec => ({
  url: `${fixture.url}/v1/chat/completions`,
  headers: { 'content-type': 'application/json', 'x-fixture': mode },
  body: '{}',
  stream,
})

describe('sendTimed against a live server', () => {
  test('times a stream: first chunk, first token, gaps between output chunks, tokens from usage', async () => {
    const result = await sendTimed(spec('stream', true))
    expect(result.error).toBeUndefined()
    expect(result.status).toBe(200)
    expect(result.completionTokens).toBe(3)
    expect(result.gapsMs.length).toBe(2)
    const { firstChunkMs = 0, firstTokenMs = 0 } = result
    expect(firstChunkMs).toBeGreaterThanOrEqual(result.sentMs)
    expect(firstTokenMs).toBeGreaterThanOrEqual(firstChunkMs)
    expect(result.endMs).toBeGreaterThanOrEqual(firstTokenMs)
  })

  test('counts output chunks when the stream has no usage chunk', async () => {
    const result = await sendTimed(spec('stream-no-usage', true))
    expect(result.error).toBeUndefined()
    expect(result.completionTokens).toBe(2)
  })

  test('latency starts at the intended time when one is given', async () => {
    const result = await sendTimed(spec('json', false), { intendedMs: performance.now() - 1000 })
    expect(result.endMs - result.intendedMs).toBeGreaterThanOrEqual(1000)
    expect(result.completionTokens).toBe(4)
  })

  const failures: Array<[string, boolean, string, number]> = [
    ['status', false, 'http', 503],
    ['status', true, 'http', 503],
    ['inband', true, 'inband_error', 200],
    ['error-200', false, 'inband_error', 200],
    ['truncate', true, 'truncated', 200],
    ['bad-chunk', true, 'invalid_response', 200],
    ['not-sse', true, 'invalid_response', 200],
    ['bad-json', false, 'invalid_response', 200],
  ]
  for (const [mode, stream, kind, status] of failures) {
    test(`classifies ${mode} (${stream ? 'stream' : 'json'}) as ${kind}`, async () => {
      const result = await sendTimed(spec(mode, stream))
      expect(result.error?.kind).toBe(kind as never)
      expect(result.status).toBe(status)
    })
  }

  test('a connection closed mid-stream is a truncated stream that keeps the tokens it delivered', async () => {
    const reset = startResetServer()
    const result = await sendTimed({ ...spec('json', true), url: `${reset.url}/v1/chat/completions` })
    reset.stop()
    expect(result.error?.kind).toBe('truncated')
    expect(result.completionTokens).toBe(1)
  })

  test('an in-band error keeps the server message', async () => {
    const result = await sendTimed(spec('inband', true))
    expect(result.error?.message).toBe('engine died')
    expect(result.completionTokens).toBe(2)
  })

  test('a hanging server is a timeout and a refused port is a connect error', async () => {
    const hung = await sendTimed(spec('hang', true), { timeoutMs: 100 })
    expect(hung.error?.kind).toBe('timeout')
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
    const port = closed.port
    await closed.stop(true)
    const refused = await sendTimed({
      ...spec('json', false),
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
    })
    expect(refused.error?.kind).toBe('connect')
    expect(refused.status).toBe(0)
  })
})
