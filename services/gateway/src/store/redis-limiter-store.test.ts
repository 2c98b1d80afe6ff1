import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { startRedis, type TestRedis } from '../../test/servers/redis-server.ts'
import { systemTimers } from '../core/clock.ts'
import { gcraAdjust, gcraTest, perMinute, perSecond } from '../core/gcra.ts'
import { createRedisLimiterStore } from './redis-limiter-store.ts'
import { createRedisLink, type RedisLink } from './redis-link.ts'

let redis: TestRedis
let client: RedisClient
let link: RedisLink

beforeAll(async () => {
  redis = await startRedis()
  client = new RedisClient(redis.url, { enableOfflineQueue: false })
  await client.connect()
  link = createRedisLink({ client, timeoutMs: 1_000, probeIntervalMs: 100, timers: systemTimers })
})
afterAll(async () => {
  link.close()
  await redis.stop()
})

/** A small deterministic PRNG, so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('redis limiter store', () => {
  test('decides exactly like gcraTest/gcraAdjust on the same arrival sequence (property, 6 seeds)', async () => {
    const limits = [perSecond(10, 3), perMinute(600), perSecond(0.5, 1), perMinute(90_000, 90_000)]
    for (let seed = 1; seed <= 6; seed++) {
      const next = random(seed)
      const store = createRedisLimiterStore({ link, prefix: `eq${seed}:` })
      const limit = limits[seed % limits.length] ?? perSecond(1)
      let stored: number | undefined
      let nowUs = 1_700_000_000_000_000 + seed
      for (let i = 0; i < 150; i++) {
        nowUs += Math.floor(next() * limit.emissionUs * 2)
        const cost = 1 + Math.floor(next() * Math.min(limit.burst + 1, 40))
        if (next() < 0.2) {
          const delta = Math.floor((next() - 0.5) * 20)
          await store.adjust('k', limit, nowUs, delta)
          stored = gcraAdjust(limit, stored, nowUs, delta)
          continue
        }
        const expected = gcraTest(limit, stored, nowUs, cost)
        if (expected.ok) stored = expected.tat
        const actual = await store.take('k', limit, nowUs, cost)
        // A stored TAT in the past means "rested" for both: only the decision fields must agree.
        expect({ seed, i, ...actual, tat: actual.ok ? actual.tat : 0 }).toEqual({
          seed,
          i,
          ...expected,
          tat: expected.ok ? expected.tat : 0,
        })
      }
    }
  })

  test('a denial reports retry-after and too-large like the pure function', async () => {
    const store = createRedisLimiterStore({ link, prefix: 'deny:' })
    const limit = perSecond(10, 3)
    const now = 1_700_000_000_000_000
    for (let i = 0; i < 3; i++) expect((await store.take('k', limit, now)).ok).toBe(true)
    const denied = await store.take('k', limit, now)
    expect(denied).toMatchObject({ ok: false, retryAfterUs: 100_000, tooLarge: false, remaining: 0 })
    expect(await store.take('big', limit, now, 4)).toMatchObject({ ok: false, tooLarge: true })
  })

  test('keys carry a TTL equal to their remaining state (plus slack), and rested keys are deleted', async () => {
    const store = createRedisLimiterStore({ link, prefix: 'ttl:' })
    const limit = perMinute(60) // one request occupies 1 s
    const now = Date.now() * 1000
    await store.take('a', limit, now, 5)
    const ttl = Number(await client.send('PTTL', ['ttl:a']))
    expect(ttl).toBeGreaterThan(4_000)
    expect(ttl).toBeLessThanOrEqual(5_000 + 1_000)
    await store.adjust('a', limit, now, -5)
    expect(await client.send('EXISTS', ['ttl:a'])).toBe(0)
    expect(await store.size()).toBe(0)
    expect(await store.evictExpired(now)).toBe(0)
  })

  test('an adjustment of zero sends nothing; a positive one puts the key in debt', async () => {
    const store = createRedisLimiterStore({ link, prefix: 'adj:' })
    const limit = perMinute(600)
    const now = 1_700_000_000_000_000
    await store.adjust('k', limit, now, 0)
    expect(await client.send('EXISTS', ['adj:k'])).toBe(0)
    await store.adjust('k', limit, now, 700)
    expect((await store.take('k', limit, now)).ok).toBe(false)
  })

  test('runs through EVALSHA once Redis knows the script, and reloads it after SCRIPT FLUSH', async () => {
    const store = createRedisLimiterStore({ link, prefix: 'sha:' })
    const limit = perSecond(100)
    await client.send('SCRIPT', ['FLUSH'])
    expect((await store.take('k', limit, 1_700_000_000_000_000)).ok).toBe(true)
    const before = String(await client.send('INFO', ['commandstats']))
    expect((await store.take('k', limit, 1_700_000_000_000_001)).ok).toBe(true)
    const after = String(await client.send('INFO', ['commandstats']))
    const calls = (info: string, command: string) =>
      Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
    expect(calls(after, 'evalsha') - calls(before, 'evalsha')).toBe(1)
    expect(calls(after, 'eval')).toBe(calls(before, 'eval'))
  })
})
