import { describe, expect, test } from 'bun:test'
import { retryDelayMs } from './backoff.ts'

describe('retryDelayMs', () => {
  test('grows exponentially with the attempt and scales with the jitter draw', () => {
    expect(retryDelayMs(1, 100, 0.999)).toBe(99)
    expect(retryDelayMs(2, 100, 0.999)).toBe(199)
    expect(retryDelayMs(3, 100, 0.5)).toBe(200)
    expect(retryDelayMs(3, 100, 0)).toBe(0)
  })

  test('never exceeds the cap', () => {
    expect(retryDelayMs(30, 100, 0.999, 1000)).toBe(999)
  })
})
