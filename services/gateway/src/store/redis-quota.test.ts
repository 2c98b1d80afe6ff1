import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { startRedis, type TestRedis } from '../../test/servers/redis-server.ts'
import { systemTimers } from '../core/clock.ts'
import { createQuotaLedger, type QuotaLedger } from '../core/quota.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { createRedisLink, type RedisLink } from './redis-link.ts'
import { createRedisQuota, type RedisQuotaOptions } from './redis-quota.ts'

const KEY = 'a'.repeat(64)
const NOW = Date.UTC(2026, 5, 1, 12)

let redis: TestRedis
const links: RedisLink[] = []
let prefixCounter = 0

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const link of links) link.close()
  await redis.stop()
})

async function replica(overrides: Partial<RedisQuotaOptions> & { prefix: string; quota?: number }) {
  const client = new RedisClient(redis.url, { enableOfflineQueue: false })
  await client.connect()
  const link = createRedisLink({ client, timeoutMs: 200, probeIntervalMs: 100, timers: systemTimers })
  links.push(link)
  const ledger: QuotaLedger = createQuotaLedger({ dailyQuota: overrides.quota ?? 1_000, defaultReserve: 100 })
  const gate = createRedisQuota({
    link,
    ledger,
    quotaOf: () => overrides.quota ?? 1_000,
    defaultReserve: 100,
    hardCap: false,
    failMode: 'open',
    retryAfterSeconds: 1,
    ...overrides,
  })
  return { gate, ledger, link }
}

const fresh = () => `q${prefixCounter++}:`

describe('redis quota', () => {
  test('three replicas reserving at once never hold more than the quota together', async () => {
    const prefix = fresh()
    const replicas = await Promise.all([1, 2, 3].map(() => replica({ prefix })))
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        replicas[i % 3]?.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 40 }),
      ),
    )
    const granted = results.reduce((sum, r) => sum + (r?.ok ? r.reservation.granted : 0), 0)
    expect(granted).toBe(1_000)
    expect(results.filter((r) => r?.ok).length).toBe(20)
    const refused = results.find((r) => r && !r.ok)
    expect(refused).toMatchObject({ ok: false, quota: 1_000, used: 0, reserved: 1_000 })
  })

  test('settlement charges real usage across replicas; release frees without charging', async () => {
    const prefix = fresh()
    const [a, b] = await Promise.all([replica({ prefix }), replica({ prefix })])
    if (!a || !b) throw new Error('replicas')
    const first = await a.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 990 })
    if (!first.ok) throw new Error('expected admission')
    expect((await b.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 10 })).ok).toBe(
      false,
    )
    const record = a.gate.settle(first.reservation, { model: 'm', promptTokens: 10, completionTokens: 90 })
    expect(record).toMatchObject({ promptTokens: 10, completionTokens: 90, requests: 1 })
    expect(
      a.gate.settle(first.reservation, { model: 'm', promptTokens: 1, completionTokens: 1 }),
    ).toBeUndefined()
    await Bun.sleep(20)
    const second = await b.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 2_000 })
    expect(second).toMatchObject({ ok: true, reservation: { granted: 900 } })
    if (second.ok) b.gate.release(second.reservation)
    await Bun.sleep(20)
    const third = await b.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 2_000 })
    expect(third).toMatchObject({ ok: true, reservation: { granted: 900 } })
    // Usage is recorded in the settling replica's ledger, for its flusher.
    expect(a.ledger.takeDeltas()).toEqual([
      {
        keyHash: KEY,
        day: '2026-06-01',
        model: 'm',
        promptTokens: 10,
        completionTokens: 90,
        requests: 1,
        cost: 0,
      },
    ])
    expect(b.ledger.pendingDeltas()).toBe(0)
  })

  test('hard cap reports the completion budget the shared reservation covers', async () => {
    const prefix = fresh()
    const r = await replica({ prefix, hardCap: true, quota: 100 })
    const result = await r.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 30, maxTokens: 500 })
    expect(result).toMatchObject({ ok: true, completionBudget: 70 })
    expect((await r.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 0, maxTokens: 1 })).ok).toBe(false)
  })

  test('a new day (or an emptied Redis) starts from the usage this replica restored from the store', async () => {
    const prefix = fresh()
    const r = await replica({ prefix })
    r.ledger.restore(
      [
        {
          keyHash: KEY,
          day: '2026-06-01',
          model: 'm',
          promptTokens: 900,
          completionTokens: 50,
          requests: 3,
          cost: 0,
        },
      ],
      NOW,
    )
    const result = await r.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 0, maxTokens: 500 })
    expect(result).toMatchObject({ ok: true, reservation: { granted: 50 } })
  })

  test('keys without a quota are not counted in Redis', async () => {
    const prefix = fresh()
    const r = await replica({ prefix, quotaOf: () => Number.POSITIVE_INFINITY })
    const result = await r.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 5, maxTokens: 5 })
    expect(result.ok).toBe(true)
    const client = new RedisClient(redis.url)
    expect(await client.send('KEYS', [`${prefix}*`])).toEqual([])
    client.close()
  })

  test('a dead Redis: open reserves locally, closed refuses with 503; local reservations settle locally', async () => {
    const prefix = fresh()
    const open = await replica({ prefix })
    const closed = await replica({ prefix, failMode: 'closed' })
    const healthy = await open.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 1, maxTokens: 1 })
    await redis.kill()
    try {
      const local = await open.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 10 })
      expect(local.ok).toBe(true)
      expect(open.ledger.status(KEY, NOW).reserved).toBe(20)
      if (local.ok) open.gate.settle(local.reservation, { model: 'm', promptTokens: 10, completionTokens: 5 })
      expect(open.ledger.status(KEY, NOW)).toMatchObject({ used: 15, reserved: 0 })
      // A shared reservation settled while Redis is down is still recorded locally.
      if (healthy.ok)
        open.gate.settle(healthy.reservation, { model: 'm', promptTokens: 1, completionTokens: 1 })
      expect(open.ledger.status(KEY, NOW).used).toBe(17)
      const refused = await Promise.resolve(
        closed.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 1, maxTokens: 1 }),
      ).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(GatewayError)
      expect((refused as GatewayError).status).toBe(503)
      const again = await open.gate.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 1, maxTokens: 1 })
      if (again.ok) open.gate.release(again.reservation)
      expect(open.ledger.status(KEY, NOW).reserved).toBe(0)
    } finally {
      await redis.restart()
    }
  })
})
