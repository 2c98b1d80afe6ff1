import { describe, expect, test } from 'bun:test'
import { createLimit, type GcraLimit, gcraAdjust, gcraTest, perMinute, perSecond, weightUs } from './gcra.ts'

/** Seeded PRNG (mulberry32) so every property run is reproducible from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Random arrival times: clustered bursts and idle gaps, non-decreasing. */
function arrivals(next: () => number, count: number, meanGapUs: number): number[] {
  const times: number[] = []
  let now = 1_000_000_000
  for (let i = 0; i < count; i++) {
    const r = next()
    now += r < 0.4 ? 0 : r < 0.9 ? Math.floor(next() * meanGapUs * 2) : Math.floor(next() * meanGapUs * 40)
    times.push(now)
  }
  return times
}

/** The continuous-state leaky bucket of ITU-T I.371, the formulation GCRA is defined as equivalent to. */
function leakyBucket(limit: GcraLimit): (now: number, cost: number) => boolean {
  let level = 0
  let last = Number.NEGATIVE_INFINITY
  return (now, cost) => {
    const drained = Math.max(0, level - (now - last))
    const increment = weightUs(limit, cost)
    if (drained + increment > limit.capacityUs) return false
    level = drained + increment
    last = now
    return true
  }
}

const limits: Array<[string, GcraLimit]> = [
  ['10 rps burst 20', perSecond(10, 20)],
  ['1 rps burst 1', perSecond(1, 1)],
  ['7 per 3 s burst 3', createLimit(7, 3_000_000, 3)],
  ['60 rpm', perMinute(60)],
  ['12345 rps burst 5', perSecond(12345, 5)],
]

describe('gcra against its definition', () => {
  for (const [name, limit] of limits) {
    test(`${name}: a unit cell is admitted iff the leaky bucket admits it`, () => {
      for (let seed = 1; seed <= 30; seed++) {
        const next = rng(seed)
        const bucket = leakyBucket(limit)
        let tat: number | undefined
        for (const now of arrivals(next, 400, weightUs(limit, 1))) {
          const decision = gcraTest(limit, tat, now)
          expect(decision.ok).toBe(bucket(now, 1))
          if (decision.ok) tat = decision.tat
        }
      }
    })

    test(`${name}: weighted cells agree with the leaky bucket`, () => {
      for (let seed = 100; seed <= 120; seed++) {
        const next = rng(seed)
        const bucket = leakyBucket(limit)
        let tat: number | undefined
        for (const now of arrivals(next, 300, weightUs(limit, 2))) {
          const cost = 1 + Math.floor(next() * limit.burst)
          const decision = gcraTest(limit, tat, now, cost)
          expect(decision.ok).toBe(bucket(now, cost))
          if (decision.ok) tat = decision.tat
        }
      }
    })

    test(`${name}: units admitted in any window never exceed rate × window + burst`, () => {
      for (let seed = 200; seed <= 215; seed++) {
        const next = rng(seed)
        const admitted: Array<[number, number]> = []
        let tat: number | undefined
        for (const now of arrivals(next, 300, weightUs(limit, 1) / 3)) {
          const cost = 1 + Math.floor(next() * 2)
          const decision = gcraTest(limit, tat, now, cost)
          if (decision.ok) {
            tat = decision.tat
            admitted.push([now, cost])
          }
        }
        for (let i = 0; i < admitted.length; i++) {
          let units = 0
          const start = admitted[i]?.[0] ?? 0
          for (let j = i; j < admitted.length; j++) {
            const [at, cost] = admitted[j] ?? [0, 0]
            units += cost
            const window = at - start
            expect(units).toBeLessThanOrEqual(limit.burst + (window * limit.limit) / limit.periodUs + 1e-9)
          }
        }
      }
    })
  }
})

describe('gcra decisions', () => {
  test('a rested key admits exactly `burst` simultaneous requests', () => {
    const limit = perSecond(10, 20)
    let tat: number | undefined
    const results: boolean[] = []
    for (let i = 0; i < 25; i++) {
      const decision = gcraTest(limit, tat, 5_000_000)
      results.push(decision.ok)
      if (decision.ok) tat = decision.tat
    }
    expect(results.filter(Boolean)).toHaveLength(20)
    expect(results.slice(0, 20).every(Boolean)).toBe(true)
  })

  test('requests paced exactly at the rate are never refused', () => {
    const limit = perSecond(100, 1)
    let tat: number | undefined
    for (let i = 0; i < 1000; i++) {
      const decision = gcraTest(limit, tat, i * 10_000)
      expect(decision.ok).toBe(true)
      if (decision.ok) tat = decision.tat
    }
  })

  test('retryAfter is exact: one microsecond earlier is refused, at retryAfter it is admitted', () => {
    const limit = perSecond(3, 2)
    let tat: number | undefined
    for (let i = 0; i < 2; i++) {
      const allowed = gcraTest(limit, tat, 0)
      if (allowed.ok) tat = allowed.tat
    }
    const denied = gcraTest(limit, tat, 0)
    if (denied.ok) throw new Error('expected a denial')
    expect(denied.retryAfterUs).toBe(333_334)
    expect(denied.tooLarge).toBe(false)
    expect(gcraTest(limit, tat, denied.retryAfterUs - 1).ok).toBe(false)
    expect(gcraTest(limit, tat, denied.retryAfterUs).ok).toBe(true)
  })

  test('remaining and reset report what headers need', () => {
    const limit = perMinute(60, 60)
    const first = gcraTest(limit, undefined, 0)
    expect(first).toMatchObject({ ok: true, limit: 60, remaining: 59, resetAfterUs: 1_000_000 })
    const second = gcraTest(limit, first.tat, 0, 10)
    expect(second).toMatchObject({ ok: true, remaining: 49, resetAfterUs: 11_000_000 })
    const later = gcraTest(limit, second.tat, 11_000_000, 0)
    expect(later).toMatchObject({ ok: true, remaining: 60, resetAfterUs: 0 })
  })

  test('a cell heavier than the burst is refused as too large', () => {
    const decision = gcraTest(perMinute(1000), undefined, 0, 1001)
    expect(decision).toMatchObject({ ok: false, tooLarge: true })
  })

  test('an overrun puts the key in debt: denied until paid off, then admitted', () => {
    const limit = perMinute(600) // 100 ms per token
    const admitted = gcraTest(limit, undefined, 0, 100)
    if (!admitted.ok) throw new Error('expected admission')
    // Real usage was 1000 tokens over the estimate: 100 s of debt beyond what the burst covers.
    const tat = gcraAdjust(limit, admitted.tat, 0, 1000)
    const denied = gcraTest(limit, tat, 0, 1)
    if (denied.ok) throw new Error('expected a denial')
    expect(denied.remaining).toBe(0)
    expect(denied.retryAfterUs).toBe(1100 * 100_000 - 60_000_000 + 100_000)
    expect(gcraTest(limit, tat, denied.retryAfterUs, 1).ok).toBe(true)
  })

  test('a refund returns capacity but never below a rested state', () => {
    const limit = perMinute(600)
    const admitted = gcraTest(limit, undefined, 0, 500)
    if (!admitted.ok) throw new Error('expected admission')
    expect(gcraAdjust(limit, admitted.tat, 0, -400)).toBe(100 * 100_000)
    expect(gcraAdjust(limit, admitted.tat, 0, -5000)).toBe(0)
    expect(gcraAdjust(limit, undefined, 7, 0)).toBe(7)
  })

  test('a fractional rate is a slow rate: 0.5 per second admits one request every 2 s', () => {
    const limit = perSecond(0.5, 1)
    const first = gcraTest(limit, undefined, 0)
    expect(first.ok).toBe(true)
    expect(gcraTest(limit, first.tat, 1_999_999).ok).toBe(false)
    expect(gcraTest(limit, first.tat, 2_000_000).ok).toBe(true)
  })

  test('odd costs never mint capacity or poison the state', () => {
    const limit = perSecond(1, 1)
    const first = gcraTest(limit, undefined, 0)
    for (const cost of [Number.NaN, -5, 0]) {
      const decision = gcraTest(limit, first.tat, 0, cost)
      expect(decision).toMatchObject({ ok: true, tat: first.tat, remaining: 0 })
    }
    expect(gcraTest(limit, first.tat, 0, 0.2)).toMatchObject({ ok: false, retryAfterUs: 1_000_000 })
    expect(gcraAdjust(limit, first.tat, 0, Number.NaN)).toBe(first.tat)
    expect(gcraAdjust(limit, first.tat, 0, 0.5)).toBe(2_000_000)
    expect(gcraAdjust(limit, first.tat, 0, -0.5)).toBe(1_000_000)
  })

  test('invalid limits are refused when built', () => {
    expect(() => perSecond(0)).toThrow(RangeError)
    expect(() => perSecond(Number.NaN)).toThrow('positive number')
    expect(() => perSecond(10, 0)).toThrow('burst')
    expect(() => createLimit(5, 1.5)).toThrow('period')
    expect(() => perMinute(-1)).toThrow('limit')
    expect(() => createLimit(2_000_000, 1_000_000)).toThrow('one unit per microsecond')
  })
})
