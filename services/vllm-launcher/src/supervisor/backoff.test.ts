import { describe, expect, test } from 'bun:test'
import { backoffDelay, recentRestarts } from './backoff.ts'

const policy = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 }

describe('backoffDelay', () => {
  test('grows exponentially from the initial delay and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, 0.5))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ])
  })

  test('jitter spreads the delay by at most ±jitter and never past the cap', () => {
    const jittered = { ...policy, jitter: 0.5 }
    expect(backoffDelay(jittered, 1, 0)).toBe(100)
    expect(backoffDelay(jittered, 1, 0.999999)).toBe(300)
    expect(backoffDelay(jittered, 10, 0.999999)).toBe(1000)
    for (let i = 0; i < 100; i += 1) {
      const delay = backoffDelay(jittered, 2, Math.random())
      expect(delay).toBeGreaterThanOrEqual(200)
      expect(delay).toBeLessThanOrEqual(600)
    }
  })

  test('a huge attempt number does not overflow into NaN or Infinity', () => {
    expect(backoffDelay(policy, 5000, 0.5)).toBe(1000)
    expect(backoffDelay(policy, -1, 0.5)).toBe(100)
  })
})

describe('recentRestarts', () => {
  test('keeps only restarts strictly inside the window', () => {
    expect(recentRestarts([0, 500, 999, 1000], 1500, 1000)).toEqual([999, 1000])
  })
})
