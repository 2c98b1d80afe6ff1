import { afterEach, describe, expect, test } from 'bun:test'
import { CLIENT_KEY, chat, type Stack, startStack } from './stack.ts'

const OTHER_KEY = 'sk-other-key'
let stack: Stack | undefined
afterEach(async () => {
  await stack?.stop()
  stack = undefined
})

const as = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })

async function usageOf(s: Stack, key = CLIENT_KEY) {
  const response = await fetch(`${s.url}/v1/usage`, { headers: as(key) })
  expect(response.status).toBe(200)
  return (await response.json()) as {
    quota: number | null
    used: number
    reserved: number
    remaining: number | null
    requests: number
    prompt_tokens: number
    completion_tokens: number
    cost: number
  }
}

async function errorCode(response: Response) {
  return ((await response.json()) as { error: { code: string } }).error.code
}

describe('rate limits', () => {
  test('per-key requests per minute: 429 with Retry-After and OpenAI headers; another key unaffected', async () => {
    stack = await startStack([{}], { KEY_RPM: '2' })
    for (let i = 0; i < 2; i++) {
      const ok = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))
      expect(ok.status).toBe(200)
      expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('2')
      expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(String(1 - i))
      expect(ok.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$/)
      await ok.text()
    }
    const denied = await stack.post('/v1/chat/completions', chat('x'))
    expect(denied.status).toBe(429)
    const retryAfter = Number(denied.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(30)
    expect(denied.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(await errorCode(denied)).toBe('rate_limit_exceeded')
    const other = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'), as(OTHER_KEY))
    expect(other.status).toBe(200)
    await other.text()
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()
    expect(metrics).toContain('infergate_rate_limit_rejections_total{reason="key_rpm"} 1')
  })

  test('per-key overrides in GATEWAY_API_KEYS beat the default', async () => {
    stack = await startStack([{}], { KEY_RPM: '1', GATEWAY_API_KEYS: `${CLIENT_KEY};rpm=3,${OTHER_KEY}` })
    for (let i = 0; i < 3; i++)
      expect((await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))).status).toBe(200)
    expect((await stack.post('/v1/chat/completions', chat('x'))).status).toBe(429)
    expect((await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'), as(OTHER_KEY))).status).toBe(
      200,
    )
    expect((await stack.post('/v1/chat/completions', chat('x'), as(OTHER_KEY))).status).toBe(429)
  })

  test('per-key tokens per minute counts the real usage after the fact', async () => {
    stack = await startStack([{}], { KEY_TPM: '60' })
    const first = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=80]]', { max_tokens: 80 }))
    expect(first.status).toBe(429)
    const small = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=50]]'))
    expect(small.status).toBe(200)
    await small.text()
    // The 50-token answer put the key in debt beyond its minute's allowance: the next request waits.
    const next = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))
    expect(next.status).toBe(429)
    expect(await errorCode(next)).toBe('rate_limit_exceeded')
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  })

  test('per-IP limit applies before auth and leaves probes alone', async () => {
    stack = await startStack([{}], { RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '2' })
    const statuses = []
    for (let i = 0; i < 3; i++) {
      const response = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'), {
        'content-type': 'application/json',
      })
      statuses.push(response.status)
      await response.text()
    }
    expect(statuses).toEqual([401, 401, 429])
    for (let i = 0; i < 5; i++) expect((await fetch(`${stack.url}/health`)).status).toBe(200)
  })
})

describe('daily token quota', () => {
  test('exhaustion gives insufficient_quota while another key is unaffected; usage is reported', async () => {
    stack = await startStack([{}], { DAILY_TOKEN_QUOTA: '100', MODEL_PRICES: 'sim-model=0.001:0.002' })
    let status = 200
    let sent = 0
    while (status === 200 && sent < 20) {
      const response = await stack.post('/v1/chat/completions', chat('quota [[sim:tokens=30]]'))
      status = response.status
      sent++
      if (status === 429) {
        expect(await errorCode(response)).toBe('insufficient_quota')
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      } else await response.text()
    }
    expect(status).toBe(429)
    const usage = await usageOf(stack)
    expect(usage.quota).toBe(100)
    expect(usage.used).toBeGreaterThanOrEqual(100)
    expect(usage.remaining).toBe(0)
    expect(usage.completion_tokens).toBe(30 * usage.requests)
    expect(usage.cost).toBeCloseTo(usage.prompt_tokens * 0.001 + usage.completion_tokens * 0.002, 9)
    expect((await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'), as(OTHER_KEY))).status).toBe(
      200,
    )
  })

  test('a request that fits is never refused: 50 tokens left, no max_tokens', async () => {
    stack = await startStack([{}], { DAILY_TOKEN_QUOTA: '100', QUOTA_DEFAULT_RESERVE: '1024' })
    const first = await stack.post('/v1/chat/completions', chat('fill [[sim:tokens=40]]'))
    expect(first.status).toBe(200)
    await first.text()
    const { remaining } = await usageOf(stack)
    expect(remaining).toBeGreaterThan(0)
    const second = await stack.post('/v1/chat/completions', chat('fits [[sim:tokens=5]]'))
    expect(second.status).toBe(200)
  })

  test('under QUOTA_HARD_CAP concurrent requests never exceed the quota at all', async () => {
    stack = await startStack([{ itlMs: 2 }], { DAILY_TOKEN_QUOTA: '300', QUOTA_HARD_CAP: '1' })
    const responses = await Promise.all(
      Array.from({ length: 12 }, () =>
        stack?.post('/v1/chat/completions', chat('cap [[sim:tokens=80]]', { stream: true })),
      ),
    )
    await Promise.all(responses.map((response) => response?.text()))
    const statuses = responses.map((response) => response?.status)
    expect(statuses).toContain(200)
    expect(statuses).toContain(429)
    const usage = await usageOf(stack)
    expect(usage.used).toBeLessThanOrEqual(300)
    expect(usage.reserved).toBe(0)
  })

  test('streams are charged with and without include_usage, and an aborted stream pays for what it generated', async () => {
    stack = await startStack([{ itlMs: 10 }], { DAILY_TOKEN_QUOTA: '1000000' })
    for (const include of [false, true]) {
      const response = await stack.post(
        '/v1/chat/completions',
        chat('s [[sim:tokens=7]] [[sim:itl-ms=0]]', {
          stream: true,
          stream_options: { include_usage: include },
        }),
      )
      await response.text()
    }
    await Bun.sleep(20)
    expect((await usageOf(stack)).completion_tokens).toBe(14)
    const controller = new AbortController()
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: as(CLIENT_KEY),
      body: JSON.stringify(chat('abort [[sim:tokens=1000]]', { stream: true })),
      signal: controller.signal,
    })
    const reader = response.body?.getReader()
    for (let i = 0; i < 5; i++) await reader?.read()
    controller.abort()
    await stack.sims[0]?.waitForAborts(1, 1_000)
    await Bun.sleep(50)
    const after = await usageOf(stack)
    const charged = after.completion_tokens - 14
    expect(charged).toBeGreaterThanOrEqual(4)
    expect(charged).toBeLessThan(100)
    expect(after.requests).toBe(3)
    expect(after.reserved).toBe(0)
  })
})

describe('circuit breaker', () => {
  test('opens after consecutive failures, fails fast without touching the upstream, recovers after the cooldown', async () => {
    stack = await startStack([{}], { CB_FAILURE_THRESHOLD: '3', CB_COOLDOWN_MS: '300' })
    const sim = stack.sims[0]
    if (!sim) throw new Error('setup')
    for (let i = 0; i < 3; i++)
      expect((await stack.post('/v1/chat/completions', chat('[[sim:status=500]]'))).status).toBe(502)
    const seen = sim.requests.length
    const started = performance.now()
    const fast = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))
    expect(fast.status).toBe(503)
    expect(await errorCode(fast)).toBe('circuit_open')
    expect(Number(fast.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(performance.now() - started).toBeLessThan(200)
    expect(sim.requests.length).toBe(seen)
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()
    expect(metrics).toMatch(/infergate_circuit_breaker_state\{upstream="[^"]+"\} 2/)
    await Bun.sleep(350)
    const probe = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))
    expect(probe.status).toBe(200)
    expect((await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))).status).toBe(200)
  })

  test('4xx answers never open the breaker', async () => {
    stack = await startStack([{}], { CB_FAILURE_THRESHOLD: '2' })
    for (let i = 0; i < 4; i++)
      expect((await stack.post('/v1/chat/completions', chat('[[sim:status=400]]'))).status).toBe(400)
    expect((await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'))).status).toBe(200)
  })
})

describe('admission queue', () => {
  test('beyond MAX_CONCURRENT_REQUESTS requests wait; a full queue answers 503 with Retry-After; a timeout too', async () => {
    stack = await startStack([{}], { MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUE: '1', QUEUE_TIMEOUT_MS: '2000' })
    const holder = await stack.post(
      '/v1/chat/completions',
      chat('hold [[sim:tokens=40]] [[sim:itl-ms=20]]', { stream: true }),
    )
    const holderReader = holder.body?.getReader()
    await holderReader?.read()
    const queued = stack.post('/v1/chat/completions', chat('queued [[sim:tokens=1]]'))
    await Bun.sleep(50)
    const full = await stack.post('/v1/chat/completions', chat('x'))
    expect(full.status).toBe(503)
    expect(await errorCode(full)).toBe('server_busy')
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    const status = await (await fetch(`${stack.url}/admin/status`, { headers: as('nope') })).status
    expect(status).toBe(403)
    for (let part = await holderReader?.read(); part && !part.done; part = await holderReader?.read()) {}
    expect((await queued).status).toBe(200)
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()
    expect(metrics).toContain('infergate_queue_rejections_total{reason="queue_full"} 1')
  })
})

describe('auth disabled', () => {
  test('anonymous callers share one usage bucket and are served (regression: quota rejected the anonymous id)', async () => {
    stack = await startStack([{}], { GATEWAY_AUTH: 'disabled', GATEWAY_API_KEYS: '' })
    const response = await stack.post('/v1/chat/completions', chat('anon [[sim:tokens=2]]'), {
      'content-type': 'application/json',
    })
    expect(response.status).toBe(200)
    await response.text()
    const usage = (await (await fetch(`${stack.url}/v1/usage`)).json()) as {
      key_id: string
      completion_tokens: number
    }
    expect(usage).toMatchObject({ key_id: 'anonymous', completion_tokens: 2 })
  })
})

describe('admin', () => {
  test('admin routes need the admin key and report usage and state', async () => {
    stack = await startStack([{}], { ADMIN_API_KEY: 'admin-secret' })
    await (await stack.post('/v1/chat/completions', chat('x [[sim:tokens=3]]'))).text()
    await (await stack.post('/v1/chat/completions', chat('x [[sim:tokens=4]]'), as(OTHER_KEY))).text()
    expect((await fetch(`${stack.url}/admin/usage`, { headers: as(CLIENT_KEY) })).status).toBe(401)
    const report = (await (
      await fetch(`${stack.url}/admin/usage`, { headers: as('admin-secret') })
    ).json()) as {
      keys: { key_id: string; completion_tokens: number }[]
    }
    expect(report.keys.map((key) => key.completion_tokens).sort()).toEqual([3, 4])
    expect(JSON.stringify(report)).not.toContain(CLIENT_KEY)
    const bad = await fetch(`${stack.url}/admin/usage?day=yesterday`, { headers: as('admin-secret') })
    expect(bad.status).toBe(400)
    const busted = await fetch(`${stack.url}/admin/usage?_=1700000000`, { headers: as('admin-secret') })
    expect(busted.status).toBe(200)
    const status = (await (
      await fetch(`${stack.url}/admin/status`, { headers: as('admin-secret') })
    ).json()) as {
      breakers: { state: string }[]
      upstreams: { healthy: boolean }[]
    }
    expect(status.breakers[0]?.state).toBe('closed')
    expect(status.upstreams[0]?.healthy).toBe(true)
  })

  test('the debug bundle has versions, redacted config, state and recent errors, and no secret', async () => {
    stack = await startStack([{}], { ADMIN_API_KEY: 'admin-secret' })
    const failed = await stack.post('/v1/chat/completions', chat('x', { model: 'missing-model' }), {
      ...as(CLIENT_KEY),
      'x-request-id': 'req-for-bundle',
    })
    expect(failed.status).toBe(404)
    expect((await fetch(`${stack.url}/admin/debug/bundle`, { headers: as(CLIENT_KEY) })).status).toBe(401)
    const response = await fetch(`${stack.url}/admin/debug/bundle`, { headers: as('admin-secret') })
    expect(response.status).toBe(200)
    const text = await response.text()
    for (const secret of [CLIENT_KEY, OTHER_KEY, 'upstream-secret', 'admin-secret'])
      expect(text).not.toContain(secret)
    const bundle = JSON.parse(text) as {
      versions: { bun: string; gateway: string }
      config: { apiKeys: { keyId: string }[]; upstreamApiKey: string }
      state: { breakers: unknown[] }
      recent_errors: { requestId: string; status: number; code: string }[]
    }
    expect(bundle.versions.bun).toBe(Bun.version)
    expect(bundle.config.apiKeys).toHaveLength(2)
    expect(bundle.config.apiKeys[0]?.keyId).toMatch(/^[0-9a-f]{12}$/)
    expect(bundle.config.upstreamApiKey).toBe('[REDACTED]')
    expect(bundle.state.breakers).toHaveLength(1)
    expect(bundle.recent_errors.map((error) => error.status)).toEqual([401, 404])
    expect(bundle.recent_errors[1]).toMatchObject({
      requestId: 'req-for-bundle',
      status: 404,
      code: 'model_not_found',
    })
  })
})
