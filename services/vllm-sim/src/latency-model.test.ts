import { describe, expect, test } from 'bun:test'
import {
  interTokenMs,
  jittered,
  type LatencyConfig,
  loadMultiplier,
  timeToFirstTokenMs,
} from './latency-model.ts'

const config: LatencyConfig = { ttftMs: 100, ttftPerTokenUs: 500, itlMs: 10, jitter: 0.2, loadFactor: 3 }

describe('latency model', () => {
  test('TTFT grows with the prompt: base + per-token prefill cost', () => {
    const flat = { ...config, jitter: 0 }
    expect(timeToFirstTokenMs(flat, 0, 0.5)).toBe(100)
    expect(timeToFirstTokenMs(flat, 1000, 0.5)).toBe(600)
  })

  test('jitter moves a delay by at most ±fraction and never below zero', () => {
    expect(jittered(100, 0.2, 0)).toBeCloseTo(80)
    expect(jittered(100, 0.2, 0.5)).toBeCloseTo(100)
    expect(jittered(100, 0.2, 0.999999)).toBeCloseTo(120, 3)
    expect(jittered(100, 1, 0)).toBe(0)
    expect(jittered(0, 0.5, 0.9)).toBe(0)
  })

  test('load slows delays linearly up to the factor when every slot is busy', () => {
    expect(loadMultiplier(config, 0, 10)).toBe(1)
    expect(loadMultiplier(config, 5, 10)).toBe(2)
    expect(loadMultiplier(config, 20, 10)).toBe(3)
    expect(loadMultiplier({ ...config, loadFactor: 1 }, 10, 10)).toBe(1)
    expect(interTokenMs({ ...config, jitter: 0 }, 0.3, 2)).toBe(20)
  })

  test('a directive override replaces the model entirely', () => {
    expect(timeToFirstTokenMs(config, 10_000, 0, 3, 7)).toBe(7)
    expect(interTokenMs(config, 0, 3, 0)).toBe(0)
  })
})
