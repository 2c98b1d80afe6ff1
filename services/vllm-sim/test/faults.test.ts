import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type Sim, startSim } from '../src/testing.ts'

let sim: Sim
beforeAll(async () => {
  sim = await startSim()
})
afterAll(() => sim.stop())

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user', content }],
  ...extra,
})

const post = (
  target: Sim,
  path: string,
  body: unknown,
  init: RequestInit & { headers?: Record<string, string> } = {},
) =>
  fetch(`${target.url}${path}`, {
    ...init,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify(body),
  })

async function readAll(response: Response): Promise<{ text: string; error?: Error }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { text }
      text += new TextDecoder().decode(value)
    }
  } catch (error) {
    return { text, error: error as Error }
  }
}

describe('per-request directives', () => {
  test('status=503 in the prompt fails before streaming with vLLM error body', async () => {
    const response = await post(sim, '/v1/chat/completions', chat('hi [[sim:status=503]]', { stream: true }))
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({
      error: {
        message: 'The server is overloaded or not ready yet.',
        type: 'ServiceUnavailableError',
        param: null,
        code: 503,
      },
    })
  })

  test('the x-sim header works for completions and overrides the prompt', async () => {
    const response = await post(
      sim,
      '/v1/completions',
      { prompt: 'x [[sim:status=500]]' },
      { headers: { 'x-sim': 'status=429' } },
    )
    expect(response.status).toBe(429)
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('RateLimitError')
  })

  test('tokens=N generates exactly N tokens and finish=length overrides the reason', async () => {
    const response = await post(
      sim,
      '/v1/chat/completions',
      chat('go [[sim:tokens=7]] [[sim:finish=length]]'),
    )
    const body = (await response.json()) as {
      usage: { completion_tokens: number }
      choices: { finish_reason: string }[]
    }
    expect(body.usage.completion_tokens).toBe(7)
    expect(body.choices[0]?.finish_reason).toBe('length')
  })

  test('tokens=N is still capped by max_tokens', async () => {
    const response = await post(sim, '/v1/completions', { prompt: 'go [[sim:tokens=50]]', max_tokens: 4 })
    const body = (await response.json()) as {
      usage: { completion_tokens: number }
      choices: { finish_reason: string }[]
    }
    expect(body.usage.completion_tokens).toBe(4)
    expect(body.choices[0]?.finish_reason).toBe('length')
  })

  test('die-after=K sends K content chunks then drops the connection without [DONE]', async () => {
    const response = await post(
      sim,
      '/v1/chat/completions',
      chat('x [[sim:tokens=10]] [[sim:die-after=3]]', { stream: true }),
    )
    expect(response.status).toBe(200)
    const { text, error } = await readAll(response)
    expect(error).toBeDefined()
    expect(text).not.toContain('[DONE]')
    expect(text).toContain('"delta":{"role":"assistant","content":""}')
    expect(text.match(/"delta":\{"content"/g)?.length).toBe(3)
  })

  test('hang-after=K goes silent with the connection open, and the client abort reaches the sim', async () => {
    const before = sim.aborted
    const controller = new AbortController()
    const response = await post(sim, '/v1/chat/completions', chat('x [[sim:tokens=10]]', { stream: true }), {
      headers: { 'x-sim': 'hang-after=2' },
      signal: controller.signal,
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while ((text.match(/"content"/g)?.length ?? 0) < 3)
      text += new TextDecoder().decode((await reader.read()).value)
    const next = await Promise.race([reader.read().then(() => 'data'), Bun.sleep(150).then(() => 'silent')])
    expect(next).toBe('silent')
    controller.abort()
    await sim.waitForAborts(before + 1, 1000)
    expect(sim.aborted).toBe(before + 1)
  })

  test('hang never answers until the client leaves, and the abort is observed', async () => {
    const before = sim.aborted
    const controller = new AbortController()
    const pending = post(
      sim,
      '/v1/completions',
      { prompt: '[[sim:hang]]' },
      { signal: controller.signal },
    ).catch((error: Error) => error.name)
    const first = await Promise.race([pending, Bun.sleep(150).then(() => 'still waiting')])
    expect(first).toBe('still waiting')
    controller.abort()
    expect(await pending).toBe('AbortError')
    await sim.waitForAborts(before + 1, 1000)
    expect(sim.lastRequest('/v1/completions')?.aborted).toBe(true)
  })

  test('ttft-ms delays the first chunk', async () => {
    const started = performance.now()
    const response = await post(sim, '/v1/chat/completions', chat('x [[sim:ttft-ms=120]] [[sim:tokens=1]]'))
    await response.json()
    expect(performance.now() - started).toBeGreaterThanOrEqual(110)
  })

  test('a bad directive is a 400 naming it', async () => {
    const response = await post(sim, '/v1/chat/completions', chat('x [[sim:explode=1]]'))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('explode')
  })

  test('echo output leaves directives out', async () => {
    const echo = await startSim({ mode: 'echo' })
    try {
      const response = await post(echo, '/v1/chat/completions', chat('hello [[sim:itl-ms=0]]world'))
      const body = (await response.json()) as { choices: { message: { content: string } }[] }
      expect(body.choices[0]?.message.content).toBe('hello world')
    } finally {
      await echo.stop()
    }
  })
})

describe('engine-level faults', () => {
  test('a dead engine answers /health 503 and requests 500 InternalServerError, and recovers', async () => {
    sim.setEngineDead(true)
    try {
      expect((await fetch(`${sim.url}/health`)).status).toBe(503)
      const response = await post(sim, '/v1/chat/completions', chat('x'))
      expect(response.status).toBe(500)
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('InternalServerError')
    } finally {
      sim.setEngineDead(false)
    }
    expect((await fetch(`${sim.url}/health`)).status).toBe(200)
  })

  test('a hung engine leaves /health unanswered; recovering answers what it held', async () => {
    sim.setEngineHung(true)
    const pending = fetch(`${sim.url}/health`).then((response) => response.status)
    const first = await Promise.race([pending, Bun.sleep(100).then(() => 'hung')])
    sim.setEngineHung(false)
    expect(first).toBe('hung')
    expect(await pending).toBe(499)
    expect((await fetch(`${sim.url}/health`)).status).toBe(200)
  })

  test('failure rate 1 fails every inference request with one of the configured statuses', async () => {
    const failing = await startSim({ failureRate: 1, failureStatus: [502, 504] })
    try {
      const statuses = new Set<number>()
      for (let i = 0; i < 12; i += 1)
        statuses.add((await post(failing, '/v1/completions', { prompt: 'x' })).status)
      for (const status of statuses) expect([502, 504]).toContain(status)
      expect((await fetch(`${failing.url}/health`)).status).toBe(200)
    } finally {
      await failing.stop()
    }
  })

  test('dead-after-ms kills the engine mid-stream with an in-band error then [DONE]', async () => {
    const dying = await startSim({ itlMs: 20, deadAfterMs: 80 })
    try {
      const response = await post(
        dying,
        '/v1/chat/completions',
        chat('x [[sim:tokens=50]]', { stream: true }),
      )
      const { text } = await readAll(response)
      expect(response.status).toBe(200)
      expect(text).toContain(
        'data: {"error":{"message":"Engine is dead (simulated).","type":"InternalServerError"',
      )
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
      expect((await fetch(`${dying.url}/health`)).status).toBe(503)
    } finally {
      await dying.stop()
    }
  })
})
