import { describe, expect, test } from 'bun:test'
import { perMinute, perSecond } from './gcra.ts'
import { createMemoryLimiterStore } from './limiter-store.ts'

describe('memory limiter store', () => {
  test('applies GCRA per key: one key exhausted, another unaffected', () => {
    const store = createMemoryLimiterStore()
    const limit = perSecond(10, 3)
    const results = Array.from({ length: 5 }, () => store.take('ip:a', limit, 0).ok)
    expect(results).toEqual([true, true, true, false, false])
    expect(store.take('ip:b', limit, 0).ok).toBe(true)
    expect(store.take('ip:a', limit, 100_000).ok).toBe(true)
  })

  test('a denial does not consume capacity', () => {
    const store = createMemoryLimiterStore()
    const limit = perSecond(1, 1)
    store.take('k', limit, 0)
    for (let i = 0; i < 10; i++) expect(store.take('k', limit, 500_000).ok).toBe(false)
    expect(store.take('k', limit, 1_000_000).ok).toBe(true)
  })

  test('adjust charges token debt and refunds, dropping a key that becomes rested', () => {
    const store = createMemoryLimiterStore()
    const tpm = perMinute(600)
    store.take('tpm:x', tpm, 0, 100)
    store.adjust('tpm:x', tpm, 0, 1000)
    expect(store.take('tpm:x', tpm, 0).ok).toBe(false)
    store.adjust('tpm:x', tpm, 0, -1100)
    expect(store.size()).toBe(0)
    expect(store.take('tpm:x', tpm, 0, 600).ok).toBe(true)
  })

  test('memory stays bounded when a flood of distinct IPs arrives (eviction on take)', () => {
    const store = createMemoryLimiterStore()
    const limit = perSecond(10, 20) // one request keeps an entry alive for 100 ms
    let maxSize = 0
    // 200k distinct IPs at 100k requests/s: 10k live at any instant.
    for (let i = 0; i < 200_000; i++) {
      const nowUs = i * 10
      store.take(`ip:${i}`, limit, nowUs)
      if (i % 1000 === 0) maxSize = Math.max(maxSize, store.size())
    }
    expect(maxSize).toBeLessThan(25_000)
    expect(maxSize).toBeGreaterThanOrEqual(10_000)
  })

  test('evictExpired drops every rested entry and keeps live ones', () => {
    const store = createMemoryLimiterStore({ sweepPerTake: 0 })
    const limit = perSecond(10, 20)
    for (let i = 0; i < 1000; i++) store.take(`ip:${i}`, limit, 0)
    store.take('ip:busy', limit, 0, 20)
    expect(store.size()).toBe(1001)
    expect(store.evictExpired(100_000)).toBe(1000)
    expect(store.size()).toBe(1)
    expect(store.take('ip:busy', limit, 100_000, 20).ok).toBe(false)
    expect(store.evictExpired(2_000_000)).toBe(1)
    expect(store.size()).toBe(0)
  })
})
