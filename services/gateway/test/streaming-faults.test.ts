import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chat, type Stack, ssePayloads, startStack } from './stack.ts'

let stack: Stack

beforeAll(async () => {
  stack = await startStack([{ itlMs: 5 }], { STREAM_IDLE_TIMEOUT_MS: '300', UPSTREAM_TIMEOUT_MS: '400' })
})
afterAll(() => stack.stop())

describe('streams that go wrong end cleanly, never hang', () => {
  test('an upstream that dies mid-stream: the client gets what was sent, an error event and [DONE]', async () => {
    const response = await stack.post(
      '/v1/chat/completions',
      chat('die [[sim:die-after=3]] [[sim:tokens=20]]', { stream: true }),
    )
    expect(response.status).toBe(200)
    const payloads = ssePayloads(await response.text())
    expect(payloads.at(-1)).toBe('[DONE]')
    const error = JSON.parse(payloads.at(-2) ?? '{}') as { error: { code: string } }
    expect(error.error.code).toBe('upstream_error')
    const contentChunks = payloads.slice(0, -2).map((payload) => JSON.parse(payload))
    expect(contentChunks.length).toBeGreaterThanOrEqual(3)
  })

  test('an upstream that stalls mid-stream is cut after STREAM_IDLE_TIMEOUT_MS', async () => {
    const started = performance.now()
    const response = await stack.post(
      '/v1/chat/completions',
      chat('stall [[sim:hang-after=2]] [[sim:tokens=20]]', { stream: true }),
    )
    const payloads = ssePayloads(await response.text())
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(payloads.at(-1)).toBe('[DONE]')
    expect(JSON.parse(payloads.at(-2) ?? '{}').error.code).toBe('upstream_timeout')
  })

  test('an upstream that never answers gives 504 after UPSTREAM_TIMEOUT_MS', async () => {
    const response = await stack.post('/v1/chat/completions', chat('hang [[sim:hang]]'))
    expect(response.status).toBe(504)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout')
  })

  test('a client that disconnects mid-stream aborts the upstream request within a second', async () => {
    const sim = stack.sims[0]
    if (!sim) throw new Error('no sim')
    const abortsBefore = sim.aborted
    const controller = new AbortController()
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chat('long [[sim:tokens=2000]] [[sim:itl-ms=20]]', { stream: true })),
      headers: { authorization: 'Bearer sk-test-client-key', 'content-type': 'application/json' },
      signal: controller.signal,
    })
    const reader = response.body?.getReader()
    await reader?.read()
    const upstreamErrors = async () =>
      Number(
        /infergate_upstream_requests_total\{[^}]*outcome="error"[^}]*\} (\d+)/.exec(
          await (await fetch(`${stack.url}/metrics`)).text(),
        )?.[1] ?? 0,
      )
    const errorsBefore = await upstreamErrors()
    const abortedAt = performance.now()
    controller.abort()
    await sim.waitForAborts(abortsBefore + 1, 1_000)
    expect(performance.now() - abortedAt).toBeLessThan(1_000)
    // A client leaving is not the upstream failing: neither the error count nor the circuit breaker hears of it.
    await Bun.sleep(50)
    expect(await upstreamErrors()).toBe(errorsBefore)
  })

  test('usage of a stream is counted even when the client did not ask for it', async () => {
    const before = await (await fetch(`${stack.url}/metrics`)).text()
    const count = (text: string) =>
      Number(/infergate_completion_tokens_total\{model="sim-model"\} (\d+)/.exec(text)?.[1] ?? 0)
    const response = await stack.post(
      '/v1/chat/completions',
      chat('count [[sim:tokens=7]]', { stream: true }),
    )
    await response.text()
    await Bun.sleep(20)
    const after = await (await fetch(`${stack.url}/metrics`)).text()
    expect(count(after) - count(before)).toBe(7)
  })
})
