import { afterEach, describe, expect, test } from 'bun:test'
import { chat, type Stack, startStack } from './stack.ts'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.stop()
  stack = undefined
})

const completionsSeen = (sim: Stack['sims'][number]) =>
  sim.requests.filter((entry) => entry.path === '/v1/chat/completions').length

describe('routing across upstreams', () => {
  test('balances requests across two upstreams serving the same model', async () => {
    stack = await startStack([{}, {}])
    const [a, b] = stack.sims
    if (!a || !b) throw new Error('setup')
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        stack?.post('/v1/chat/completions', chat('x [[sim:tokens=2]] [[sim:itl-ms=5]]', { stream: true })),
      ),
    )
    for (const response of responses) expect(response?.status).toBe(200)
    await Promise.all(responses.map((response) => response?.text()))
    expect(completionsSeen(a) + completionsSeen(b)).toBe(20)
    expect(completionsSeen(a)).toBeGreaterThanOrEqual(5)
    expect(completionsSeen(b)).toBeGreaterThanOrEqual(5)
  })

  test('a 503 from one upstream is retried on another before the client sees anything', async () => {
    stack = await startStack([{ failureRate: 1, failureStatus: [503] }, {}])
    for (let i = 0; i < 6; i++) {
      const response = await stack.post('/v1/chat/completions', chat('retry [[sim:tokens=1]]'))
      expect(response.status).toBe(200)
      await response.text()
    }
  })

  test('with only failing upstreams the client gets the 503, and 4xx is never retried', async () => {
    stack = await startStack([
      { failureRate: 1, failureStatus: [503] },
      { failureRate: 1, failureStatus: [503] },
    ])
    const response = await stack.post('/v1/chat/completions', chat('x'))
    expect(response.status).toBe(503)
    await response.text()
    const total = stack.sims.reduce((sum, sim) => sum + completionsSeen(sim), 0)
    expect(total).toBe(2)
    const bad = await stack.post('/v1/chat/completions', chat('x [[sim:status=400]]'))
    expect(bad.status).toBe(400)
    await bad.text()
    expect(stack.sims.reduce((sum, sim) => sum + completionsSeen(sim), 0)).toBe(3)
  })

  test('a connect failure is retried on a healthy upstream and the dead one is taken out', async () => {
    stack = await startStack([{}, {}], { DISCOVERY_INTERVAL_MS: '60000' })
    const [dead] = stack.sims
    await dead?.stop()
    for (let i = 0; i < 4; i++) {
      const response = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))
      expect(response.status).toBe(200)
      await response.text()
    }
    expect(stack.gateway.deps.registry.upstreams[0]?.healthy).toBe(false)
    expect(stack.gateway.deps.registry.upstreams[1]?.healthy).toBe(true)
  })

  test('WARMUP=1 sends one tiny request per discovered model before serving', async () => {
    stack = await startStack([{}, { servedModelNames: ['second-model'] }], { WARMUP: '1' })
    for (const [index, model] of [
      [0, 'sim-model'],
      [1, 'second-model'],
    ] as const) {
      const warm = stack.sims[index]?.requests.find((entry) => entry.path === '/v1/completions')
      expect(warm?.body).toMatchObject({ model, max_tokens: 1 })
    }
  })

  test('no healthy upstream: /ready is 503 and a request for a known model is 503', async () => {
    stack = await startStack([{}], { DISCOVERY_INTERVAL_MS: '100' })
    await stack.sims[0]?.stop()
    const deadline = Date.now() + 3_000
    while ((await fetch(`${stack.url}/ready`)).status !== 503 && Date.now() < deadline) await Bun.sleep(50)
    expect((await fetch(`${stack.url}/ready`)).status).toBe(503)
    const response = await stack.post('/v1/chat/completions', chat('x'))
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('no_healthy_upstream')
    expect(response.headers.get('retry-after')).toBe('1')
  })
})
