import { describe, expect, test } from 'bun:test'
import { percentile, summarize } from './stats.ts'

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1)

  test('uses the nearest rank, so every figure is an observed sample', () => {
    expect(percentile(hundred, 0.5)).toBe(50)
    expect(percentile(hundred, 0.95)).toBe(95)
    expect(percentile(hundred, 0.99)).toBe(99)
    expect(percentile(hundred, 1)).toBe(100)
    expect(percentile([1, 2, 3], 0.5)).toBe(2)
  })

  test('p99 of a small set is its maximum rather than an interpolation', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBe(10)
  })

  test('q of 0 or below gives the minimum and an empty set gives NaN', () => {
    expect(percentile([3, 4], 0)).toBe(3)
    expect(percentile([3, 4], -1)).toBe(3)
    expect(percentile([], 0.5)).toBeNaN()
  })
})

describe('summarize', () => {
  test('sorts numerically (not as strings) before ranking', () => {
    const stats = summarize([10, 9, 100, 1, 2])
    expect(stats).toEqual({ count: 5, min: 1, mean: 24.4, p50: 9, p90: 100, p95: 100, p99: 100, max: 100 })
  })

  test('an empty sample set has count 0 and NaN figures', () => {
    const stats = summarize([])
    expect(stats.count).toBe(0)
    expect(stats.p50).toBeNaN()
    expect(stats.max).toBeNaN()
    expect(stats.mean).toBeNaN()
  })

  test('does not reorder the caller array', () => {
    const samples = [3, 1, 2]
    summarize(samples)
    expect(samples).toEqual([3, 1, 2])
  })
})
