/**
 * Scale-out (issue 8) with real servers on loopback: three gateway replicas share one throwaway redis-server and
 * one throwaway PostgreSQL. Limits and quotas must hold for the replicas together, usage in PostgreSQL must equal
 * what vllm-sim reported, /v1/usage on one replica must count what the others served, and a Redis killed mid-load
 * must neither hang requests nor need a restart to recover.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createLogger } from '@infergate/logger'
import { startSim } from '@infergate/vllm-sim/testing'
import { SQL } from 'bun'
import { loadConfig } from '../src/config.ts'
import { type RunningGateway, startGateway } from '../src/server.ts'
import { startPostgres, type TestPostgres } from './servers/postgres-server.ts'
import { startRedis, type TestRedis } from './servers/redis-server.ts'
import { CLIENT_KEY, chat, type Sim, UPSTREAM_KEY } from './stack.ts'

let redis: TestRedis
let pg: TestPostgres
let sim: Sim
let replicas: RunningGateway[] = []
let databases = 0

beforeAll(async () => {
  ;[redis, pg, sim] = await Promise.all([startRedis(), startPostgres(), startSim({ apiKey: UPSTREAM_KEY })])
}, 30_000)
afterEach(async () => {
  await Promise.all(replicas.map((replica) => replica.shutdown()))
  replicas = []
  await redis.restart()
  await redis.flush()
})
afterAll(async () => {
  await Promise.all([redis?.stop(), pg?.stop(), sim?.stop()])
})

async function startReplicas(count: number, env: Record<string, string>): Promise<RunningGateway[]> {
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      startGateway(
        loadConfig({
          PORT: '0',
          HOST: '127.0.0.1',
          VLLM_URL: sim.url,
          VLLM_API_KEY: UPSTREAM_KEY,
          GATEWAY_API_KEYS: CLIENT_KEY,
          REDIS_URL: redis.url,
          REDIS_TIMEOUT_MS: '100',
          REDIS_PROBE_MS: '100',
          QUOTA_DB: ':memory:',
          LOG_REQUESTS: 'false',
          ...env,
        }),
        { log: createLogger({ service: 'scale-out-test', level: 'silent' }) },
      ),
    ),
  )
  replicas.push(...started)
  return started
}

const auth = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }
const get = (replica: RunningGateway, path: string) =>
  fetch(replica.url + path, { headers: auth, signal: AbortSignal.timeout(3_000) })
const post = (replica: RunningGateway, body: unknown) =>
  fetch(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  })

const degradedGauge = async (replica: RunningGateway): Promise<number> => {
  const text = await (await fetch(`${replica.url}/metrics`)).text()
  return Number(/^infergate_limiter_degraded (\S+)$/m.exec(text)?.[1] ?? Number.NaN)
}

/** Hammers the replicas round-robin for `ms`; returns status counts, the window and the slowest request. */
async function load(targets: RunningGateway[], ms: number, concurrency: number, path = '/v1/models') {
  const statuses = new Map<number, number>()
  let slowestMs = 0
  const started = performance.now()
  const deadline = started + ms
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      let i = worker
      while (performance.now() < deadline) {
        const target = targets[i++ % targets.length] as RunningGateway
        const t0 = performance.now()
        const status = await get(target, path).then(
          async (response) => {
            await response.arrayBuffer()
            return response.status
          },
          () => -1,
        )
        slowestMs = Math.max(slowestMs, performance.now() - t0)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
    }),
  )
  return { statuses, elapsedMs: performance.now() - started, slowestMs }
}

describe('three replicas sharing one Redis', () => {
  test('the admitted per-IP rate across all replicas stays within ±5% of the configured limit', async () => {
    const targets = await startReplicas(3, { RATE_LIMIT_RPS: '100', RATE_LIMIT_BURST: '10' })
    const { statuses, elapsedMs } = await load(targets, 2_000, 12)
    const admitted = statuses.get(200) ?? 0
    const expected = 10 + (100 * elapsedMs) / 1000
    expect(statuses.get(429) ?? 0).toBeGreaterThan(admitted) // the load really was above the limit
    expect(Math.abs(admitted - expected) / expected).toBeLessThanOrEqual(0.05)
  })

  test('a daily quota is never exceeded by more than the in-flight reservations; PostgreSQL holds exactly what vllm-sim reported', async () => {
    const databaseUrl = await pg.createDatabase(`scale_${databases++}`)
    const quota = 2_000
    const targets = await startReplicas(3, {
      DAILY_TOKEN_QUOTA: String(quota),
      DATABASE_URL: databaseUrl,
      QUOTA_FLUSH_MS: '50',
    })
    let reported = 0
    let admitted = 0
    let refused = 0
    const concurrency = 6
    const perRequestMax = 200 // prompt (a few dozen tokens) + max_tokens 100, well under
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = 0; i < 15; i++) {
          const target = targets[(worker + i) % targets.length] as RunningGateway
          const response = await post(target, chat('quota [[sim:tokens=100]]', { max_tokens: 100 }))
          const body = (await response.json()) as { usage?: { total_tokens: number } }
          if (response.status === 200) {
            admitted++
            reported += body.usage?.total_tokens ?? 0
          } else {
            expect(response.status).toBe(429)
            refused++
          }
        }
      }),
    )
    expect(refused).toBeGreaterThan(0)
    // One replica alone would admit up to the quota; three unshared would admit three times as much.
    expect(reported).toBeGreaterThanOrEqual(quota - perRequestMax)
    expect(reported).toBeLessThanOrEqual(quota + concurrency * perRequestMax)
    await Promise.all(targets.map((replica) => replica.shutdown()))
    const sql = new SQL(databaseUrl)
    const [row] = await sql`SELECT coalesce(sum(prompt_tokens + completion_tokens), 0)::int AS tokens,
      coalesce(sum(requests), 0)::int AS requests FROM usage_daily`
    await sql.close()
    expect(row).toEqual({ tokens: reported, requests: admitted })
  })

  test('under QUOTA_HARD_CAP the replicas together never exceed the quota at all', async () => {
    const quota = 1_500
    const targets = await startReplicas(3, { DAILY_TOKEN_QUOTA: String(quota), QUOTA_HARD_CAP: '1' })
    let reported = 0
    await Promise.all(
      Array.from({ length: 9 }, async (_, worker) => {
        for (let i = 0; i < 4; i++) {
          const target = targets[worker % targets.length] as RunningGateway
          const response = await post(target, chat('cap [[sim:tokens=150]]', { max_tokens: 150 }))
          const body = (await response.json()) as { usage?: { total_tokens: number } }
          if (response.status === 200) reported += body.usage?.total_tokens ?? 0
        }
      }),
    )
    expect(reported).toBeGreaterThan(quota / 2)
    expect(reported).toBeLessThanOrEqual(quota)
  })
})

describe('usage reports across replicas', () => {
  test('/v1/usage on replica B counts quota used by requests replica A served; A’s rows join after its flush', async () => {
    const quota = 50_000
    const [a, b] = await startReplicas(2, {
      DAILY_TOKEN_QUOTA: String(quota),
      DATABASE_URL: await pg.createDatabase(`usage_${databases++}`),
      // No timed flush during the test: A flushes when the test says so.
      QUOTA_FLUSH_MS: '600000',
    })
    if (!a || !b) throw new Error('no replicas')
    let reported = 0
    for (const [target, count] of [
      [a, 3],
      [b, 2],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const response = await post(target, chat(`usage [[sim:tokens=${5 + i}]]`, { max_tokens: 20 }))
        expect(response.status).toBe(200)
        reported += ((await response.json()) as { usage: { total_tokens: number } }).usage.total_tokens
      }
    }
    type Usage = { used: number; reserved: number; remaining: number; requests: number; total_tokens: number }
    const usage = async (replica: RunningGateway) => (await (await get(replica, '/v1/usage')).json()) as Usage
    // Settlements reach Redis just after each response: wait (bounded) until none is outstanding.
    const deadline = Date.now() + 3_000
    while ((await usage(b)).reserved !== 0 && Date.now() < deadline) await Bun.sleep(10)
    const quotaPart = { used: reported, reserved: 0, remaining: quota - reported }
    // The quota part is exact at once on either replica; B's breakdown has its own 2 requests until A flushes.
    expect(await usage(b)).toMatchObject({ ...quotaPart, requests: 2 })
    expect(await usage(a)).toMatchObject({ ...quotaPart, requests: 3 })
    await a.deps.flusher.flush()
    expect(await usage(b)).toMatchObject({ ...quotaPart, requests: 5, total_tokens: reported })
    await b.deps.flusher.flush()
    expect(await usage(a)).toMatchObject({ ...quotaPart, requests: 5, total_tokens: reported })
    expect(await usage(b)).toMatchObject({ ...quotaPart, requests: 5, total_tokens: reported })
  })
})

describe('Redis killed and restarted mid-load', () => {
  test('fail open: no request hangs, local limits apply and are metered, shared limits return by themselves', async () => {
    const targets = await startReplicas(2, { RATE_LIMIT_RPS: '50', RATE_LIMIT_BURST: '5' })
    const first = targets[0] as RunningGateway
    expect(await degradedGauge(first)).toBe(0)
    const during = load(targets, 1_500, 6)
    await Bun.sleep(300)
    await redis.kill()
    await Bun.sleep(500)
    expect(await degradedGauge(first)).toBe(1)
    await redis.restart()
    const { statuses, slowestMs } = await during
    expect(statuses.get(-1) ?? 0).toBe(0) // nothing timed out or failed at the socket
    expect([...statuses.keys()].sort()).toEqual([200, 429])
    expect(slowestMs).toBeLessThan(1_000)
    // Recovery without a restart: the probe (100 ms) finds Redis again and the gauge drops.
    const deadline = Date.now() + 3_000
    while ((await degradedGauge(first)) !== 0 && Date.now() < deadline) await Bun.sleep(50)
    expect(await degradedGauge(first)).toBe(0)
    const after = await load(targets, 1_000, 6)
    const admitted = after.statuses.get(200) ?? 0
    // Shared again: ~5 + 50/s across both replicas, not twice that.
    expect(admitted).toBeLessThanOrEqual(Math.ceil((5 + 50 * (after.elapsedMs / 1000)) * 1.1))
  })

  test('fail closed: limited requests get 503 with Retry-After while Redis is down, and 200 once it is back', async () => {
    const [replica] = await startReplicas(1, {
      RATE_LIMIT_RPS: '1000',
      RATE_LIMIT_BURST: '1000',
      LIMITER_FAIL_MODE: 'closed',
    })
    if (!replica) throw new Error('no replica')
    expect((await get(replica, '/v1/models')).status).toBe(200)
    await redis.kill()
    const started = performance.now()
    const refused = await get(replica, '/v1/models')
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(refused.status).toBe(503)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // Probes and metrics are not limited, so the gateway stays observable.
    expect((await fetch(`${replica.url}/health`)).status).toBe(200)
    expect(await degradedGauge(replica)).toBe(1)
    await redis.restart()
    const deadline = Date.now() + 3_000
    let status = 0
    while (status !== 200 && Date.now() < deadline) {
      status = (await get(replica, '/v1/models')).status
      if (status !== 200) await Bun.sleep(50)
    }
    expect(status).toBe(200)
    expect(await degradedGauge(replica)).toBe(0)
  })
})
