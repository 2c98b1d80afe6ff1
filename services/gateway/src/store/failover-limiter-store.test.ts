import { describe, expect, test } from 'bun:test'
import { perSecond } from '../core/gcra.ts'
import { createMemoryLimiterStore, type LimiterStore } from '../core/limiter-store.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { createFailoverLimiterStore } from './failover-limiter-store.ts'
import { type RedisLink, RedisUnavailableError } from './redis-link.ts'

const limit = perSecond(10, 2)

/** A remote store that is either up (its own memory store) or down (throws RedisUnavailableError). */
function flakyRemote() {
  const inner = createMemoryLimiterStore()
  const state = { down: false, adjusts: 0 }
  const fail = () => {
    throw new RedisUnavailableError('test')
  }
  const remote: LimiterStore = {
    take: async (key, l, now, cost) => (state.down ? fail() : inner.take(key, l, now, cost)),
    adjust: async (key, l, now, delta) => {
      if (state.down) fail()
      state.adjusts++
      inner.adjust(key, l, now, delta)
    },
    size: () => inner.size(),
    evictExpired: (now) => inner.evictExpired(now),
  }
  const link = { degraded: false } as RedisLink
  return { remote, state, link }
}

describe('failover limiter store', () => {
  test('decides with the remote store while it answers', async () => {
    const { remote, link } = flakyRemote()
    const local = createMemoryLimiterStore()
    const store = createFailoverLimiterStore({ link, remote, local, failMode: 'open', retryAfterSeconds: 1 })
    expect((await store.take('k', limit, 0)).ok).toBe(true)
    expect(local.size()).toBe(0)
    expect(await remote.size()).toBe(1)
  })

  test('fail open: a down remote falls back to local limits, which still limit', async () => {
    const { remote, state, link } = flakyRemote()
    const local = createMemoryLimiterStore()
    const store = createFailoverLimiterStore({ link, remote, local, failMode: 'open', retryAfterSeconds: 1 })
    state.down = true
    const results = [] as boolean[]
    for (let i = 0; i < 3; i++) results.push((await store.take('k', limit, 0)).ok)
    expect(results).toEqual([true, true, false])
    expect(store.size()).toBe(1)
    Object.assign(link, { degraded: true })
    await store.adjust('k', limit, 0, -2)
    expect(local.size()).toBe(0)
    expect(await store.evictExpired(0)).toBe(0)
  })

  test('fail closed: a down remote refuses with 503 and Retry-After, and adjustments are dropped', async () => {
    const { remote, state, link } = flakyRemote()
    const local = createMemoryLimiterStore()
    const store = createFailoverLimiterStore({
      link,
      remote,
      local,
      failMode: 'closed',
      retryAfterSeconds: 2,
    })
    state.down = true
    const error = await Promise.resolve(store.take('k', limit, 0)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GatewayError)
    expect((error as GatewayError).status).toBe(503)
    expect((error as GatewayError).headers['retry-after']).toBe('2')
    Object.assign(link, { degraded: true })
    await store.adjust('k', limit, 0, 5)
    expect(local.size()).toBe(0)
  })

  test('an adjustment that meets a remote failure lands locally in open mode; other errors propagate', async () => {
    const { remote, state, link } = flakyRemote()
    const local = createMemoryLimiterStore()
    const store = createFailoverLimiterStore({ link, remote, local, failMode: 'open', retryAfterSeconds: 1 })
    state.down = true
    await store.adjust('k', limit, 0, 1)
    expect(local.size()).toBe(1)
    const broken: LimiterStore = { ...remote, take: () => Promise.reject(new TypeError('bug')) }
    const strict = createFailoverLimiterStore({
      link,
      remote: broken,
      local,
      failMode: 'open',
      retryAfterSeconds: 1,
    })
    await expect(Promise.resolve(strict.take('k', limit, 0))).rejects.toBeInstanceOf(TypeError)
  })
})
