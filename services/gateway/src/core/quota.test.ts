import { describe, expect, test } from 'bun:test'
import { createQuotaLedger, msUntilUtcMidnight, type Reservation, usageCost, utcDay } from './quota.ts'

const KEY = 'a'.repeat(64)
const OTHER = 'b'.repeat(64)
const NOON = Date.UTC(2026, 10, 22, 12)

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('utc days', () => {
  test('names the UTC day and the time to its end', () => {
    expect(utcDay(NOON)).toBe('2026-11-22')
    expect(utcDay(Date.UTC(2026, 10, 22, 23, 59, 59, 999))).toBe('2026-11-22')
    expect(msUntilUtcMidnight(NOON)).toBe(12 * 3_600_000)
    expect(msUntilUtcMidnight(Date.UTC(2026, 10, 23))).toBe(86_400_000)
  })
})

describe('quota reservation', () => {
  test('reserves prompt + max_tokens, or the default reserve when max_tokens is absent', () => {
    const ledger = createQuotaLedger({ dailyQuota: 10_000, defaultReserve: 1000 })
    const a = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 100, maxTokens: 200 })
    const b = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 100 })
    expect(a.ok && a.reservation.granted).toBe(300)
    expect(b.ok && b.reservation.granted).toBe(1100)
    expect(ledger.status(KEY, NOON)).toEqual({
      day: '2026-11-22',
      quota: 10_000,
      used: 0,
      reserved: 1400,
      remaining: 8600,
    })
  })

  test('a key with 50 tokens left can still send a request without max_tokens (grant capped at 50)', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1000, defaultReserve: 512 })
    const first = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 10, maxTokens: 940 })
    if (!first.ok) throw new Error('expected admission')
    ledger.settle(first.reservation, { model: 'm', promptTokens: 10, completionTokens: 940 })
    const second = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 20 })
    expect(second).toMatchObject({ ok: true, reservation: { granted: 50 }, completionBudget: undefined })
  })

  test('an exhausted key is refused until UTC midnight; another key is unaffected', () => {
    const ledger = createQuotaLedger({ dailyQuota: 100, defaultReserve: 10 })
    const r = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 100, maxTokens: 0 })
    if (!r.ok) throw new Error('expected admission')
    ledger.settle(r.reservation, { model: 'm', promptTokens: 60, completionTokens: 40 })
    expect(ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 1 })).toEqual({
      ok: false,
      quota: 100,
      used: 100,
      reserved: 0,
      retryAfterMs: 12 * 3_600_000,
    })
    expect(ledger.reserve({ keyHash: OTHER, nowMs: NOON, promptTokens: 1 }).ok).toBe(true)
    const tomorrow = ledger.reserve({ keyHash: KEY, nowMs: NOON + 12 * 3_600_000, promptTokens: 1 })
    expect(tomorrow.ok && tomorrow.reservation.day).toBe('2026-11-23')
  })

  test('concurrent reservations cannot overshoot together: the sum of grants never passes the quota', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1000, defaultReserve: 300 })
    const grants: number[] = []
    for (let i = 0; i < 6; i++) {
      const r = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 10 })
      if (r.ok) grants.push(r.reservation.granted)
    }
    expect(grants).toEqual([310, 310, 310, 70])
  })

  test('random interleavings: exact accounting, no overshoot, no wrongful refusal', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed)
      const quota = 500 + Math.floor(next() * 5000)
      const ledger = createQuotaLedger({ dailyQuota: quota, defaultReserve: 200 })
      const inFlight: Reservation[] = []
      let charged = 0
      for (let step = 0; step < 300; step++) {
        const action = next()
        if (action < 0.5 || inFlight.length === 0) {
          const before = ledger.status(KEY, NOON)
          const r = ledger.reserve({
            keyHash: KEY,
            nowMs: NOON,
            promptTokens: Math.floor(next() * 300),
            maxTokens: next() < 0.5 ? undefined : Math.floor(next() * 500),
          })
          // Admitted exactly when something is left.
          expect(r.ok).toBe(before.used + before.reserved < quota)
          if (r.ok) inFlight.push(r.reservation)
        } else {
          const index = Math.floor(next() * inFlight.length)
          const [reservation] = inFlight.splice(index, 1)
          if (reservation === undefined) continue
          if (action < 0.8) {
            // Real usage never above the grant here (hard-cap-like), so the quota must hold exactly.
            const real = Math.floor(next() * (reservation.granted + 1))
            const prompt = Math.floor(real / 2)
            ledger.settle(reservation, { model: 'm', promptTokens: prompt, completionTokens: real - prompt })
            charged += real
          } else {
            ledger.release(reservation)
          }
        }
        const status = ledger.status(KEY, NOON)
        expect(status.used).toBe(charged)
        expect(status.used + status.reserved).toBeLessThanOrEqual(quota)
        expect(status.reserved).toBe(inFlight.reduce((sum, r) => sum + r.granted, 0))
      }
    }
  })

  test('settle and release are idempotent per reservation', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1000, defaultReserve: 100 })
    const r = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 10, maxTokens: 90 })
    if (!r.ok) throw new Error('expected admission')
    expect(ledger.settle(r.reservation, { model: 'm', promptTokens: 10, completionTokens: 5 })).toMatchObject(
      {
        requests: 1,
      },
    )
    expect(
      ledger.settle(r.reservation, { model: 'm', promptTokens: 10, completionTokens: 5 }),
    ).toBeUndefined()
    ledger.release(r.reservation)
    expect(ledger.status(KEY, NOON)).toMatchObject({ used: 15, reserved: 0 })
  })

  test('an aborted stream is charged what was generated and the rest of the reservation is freed', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1000, defaultReserve: 100 })
    const r = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 20, maxTokens: 500 })
    if (!r.ok) throw new Error('expected admission')
    ledger.settle(r.reservation, { model: 'm', promptTokens: 20, completionTokens: 7 })
    expect(ledger.status(KEY, NOON)).toMatchObject({ used: 27, reserved: 0, remaining: 973 })
  })

  test('bad token counts from upstream are treated as zero, never as NaN', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1000, defaultReserve: 100 })
    const r = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: Number.NaN, maxTokens: -5 })
    expect(r.ok && r.reservation.granted).toBe(0)
    if (!r.ok) throw new Error('expected admission')
    ledger.settle(r.reservation, { model: 'm', promptTokens: Number.NaN, completionTokens: 2.7 })
    expect(ledger.status(KEY, NOON).used).toBe(2)
  })

  test('a reservation from before midnight settles into its own day, not the new one', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1000, defaultReserve: 100 })
    const late = Date.UTC(2026, 10, 22, 23, 59)
    const old = ledger.reserve({ keyHash: KEY, nowMs: late, promptTokens: 10, maxTokens: 500 })
    if (!old.ok) throw new Error('expected admission')
    const next = late + 120_000
    const fresh = ledger.reserve({ keyHash: KEY, nowMs: next, promptTokens: 10, maxTokens: 90 })
    expect(fresh.ok).toBe(true)
    ledger.settle(old.reservation, { model: 'm', promptTokens: 10, completionTokens: 300 })
    expect(ledger.status(KEY, next)).toMatchObject({ day: '2026-11-23', used: 0, reserved: 100 })
    expect(ledger.usage(KEY, '2026-11-22')).toEqual([
      {
        keyHash: KEY,
        day: '2026-11-22',
        model: 'm',
        promptTokens: 10,
        completionTokens: 300,
        requests: 1,
        cost: 0,
      },
    ])
    expect(ledger.status(KEY, late + 86_400_000 * 2)).toMatchObject({ used: 0, reserved: 0 })
  })

  test('per-key overrides and unlimited quotas', () => {
    const ledger = createQuotaLedger({
      dailyQuota: Number.POSITIVE_INFINITY,
      overrides: new Map([[OTHER, 5]]),
      defaultReserve: 100,
    })
    expect(ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 10 ** 9 }).ok).toBe(true)
    const small = ledger.reserve({ keyHash: OTHER, nowMs: NOON, promptTokens: 10 })
    expect(small.ok && small.reservation.granted).toBe(5)
    expect(ledger.reserve({ keyHash: OTHER, nowMs: NOON, promptTokens: 1 }).ok).toBe(false)
  })

  test('raw API keys and bad options are refused', () => {
    const ledger = createQuotaLedger({ dailyQuota: 10, defaultReserve: 1 })
    expect(() => ledger.reserve({ keyHash: 'sk-live-secret', nowMs: NOON, promptTokens: 1 })).toThrow(
      'SHA-256',
    )
    expect(() => ledger.restore([{ ...row(), keyHash: 'sk-x' }], NOON)).toThrow('never raw API keys')
    expect(() => createQuotaLedger({ dailyQuota: -1, defaultReserve: 1 })).toThrow('daily quota')
    expect(() => createQuotaLedger({ dailyQuota: 1, defaultReserve: 0 })).toThrow('default reserve')
  })
})

const row = (over: Partial<ReturnType<typeof baseRow>> = {}) => ({ ...baseRow(), ...over })
function baseRow() {
  return {
    keyHash: KEY,
    day: '2026-11-22',
    model: 'm',
    promptTokens: 100,
    completionTokens: 50,
    requests: 2,
    cost: 0.5,
  }
}

describe('hard cap', () => {
  test('reports a completion budget that keeps the key inside its quota', () => {
    const ledger = createQuotaLedger({ dailyQuota: 300, defaultReserve: 1000, hardCap: true })
    const first = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 100, maxTokens: 50 })
    expect(first).toMatchObject({ ok: true, completionBudget: 50 })
    const second = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 100 })
    expect(second).toMatchObject({ ok: true, reservation: { granted: 150 }, completionBudget: 50 })
  })

  test('refuses a request whose prompt alone leaves no room for a completion token', () => {
    const ledger = createQuotaLedger({ dailyQuota: 100, defaultReserve: 10, hardCap: true })
    expect(ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 100 }).ok).toBe(false)
    expect(ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 99 })).toMatchObject({
      completionBudget: 1,
    })
  })
})

describe('usage records and deltas', () => {
  test('settlement prices usage per model and aggregates per key, day and model', () => {
    const prices = { big: { prompt: 0.000_002, completion: 0.000_006 } }
    const ledger = createQuotaLedger({ dailyQuota: 10_000, defaultReserve: 100, prices })
    for (const model of ['big', 'big', 'free']) {
      const r = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 10 })
      if (!r.ok) throw new Error('expected admission')
      ledger.settle(r.reservation, { model, promptTokens: 1000, completionTokens: 500 })
    }
    const usage = ledger.usage(KEY, '2026-11-22')
    expect(usage).toHaveLength(2)
    expect(usage.find((u) => u.model === 'big')).toMatchObject({
      promptTokens: 2000,
      completionTokens: 1000,
      requests: 2,
    })
    expect(usage.find((u) => u.model === 'big')?.cost).toBeCloseTo(0.01, 10)
    expect(usage.find((u) => u.model === 'free')?.cost).toBe(0)
    expect(ledger.usageOfDay('2026-11-22')).toHaveLength(2)
    expect(ledger.usage(OTHER, '2026-11-22')).toEqual([])
  })

  test('deltas are taken once, and returned deltas merge with new usage', () => {
    const ledger = createQuotaLedger({ dailyQuota: 10_000, defaultReserve: 100 })
    const charge = (completionTokens: number) => {
      const r = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 0 })
      if (r.ok) ledger.settle(r.reservation, { model: 'm', promptTokens: 1, completionTokens })
    }
    charge(10)
    const taken = ledger.takeDeltas()
    expect(taken).toHaveLength(1)
    expect(ledger.pendingDeltas()).toBe(0)
    charge(5)
    ledger.returnDeltas(taken)
    expect(ledger.takeDeltas()).toEqual([
      {
        keyHash: KEY,
        day: '2026-11-22',
        model: 'm',
        promptTokens: 2,
        completionTokens: 15,
        requests: 2,
        cost: 0,
      },
    ])
  })

  test('unflushed lists one key’s pending deltas of one day, not the restored rows nor taken deltas', () => {
    const ledger = createQuotaLedger({ dailyQuota: 10_000, defaultReserve: 100 })
    ledger.restore([row({ model: 'stored' })], NOON)
    const charge = (keyHash: string, model: string, completionTokens: number) => {
      const r = ledger.reserve({ keyHash, nowMs: NOON, promptTokens: 0 })
      if (r.ok) ledger.settle(r.reservation, { model, promptTokens: 1, completionTokens })
    }
    charge(KEY, 'm', 10)
    expect(ledger.unflushed(KEY, '2026-11-22')).toMatchObject([
      { model: 'm', completionTokens: 10, requests: 1 },
    ])
    const taken = ledger.takeDeltas()
    expect(ledger.unflushed(KEY, '2026-11-22')).toEqual([])
    charge(KEY, 'm', 5)
    charge(KEY, 'stored', 3)
    charge(OTHER, 'm', 7)
    ledger.returnDeltas(taken)
    const pending = ledger.unflushed(KEY, '2026-11-22')
    expect(pending.map((r) => [r.model, r.completionTokens, r.requests]).sort()).toEqual([
      ['m', 15, 2],
      ['stored', 3, 1],
    ])
    expect(ledger.unflushed(KEY, '2026-11-21')).toEqual([])
    expect(ledger.unflushed('e'.repeat(64), '2026-11-22')).toEqual([])
    // A copy: changing it does not change what the flusher will write.
    if (pending[0]) pending[0].requests = 99
    expect(
      ledger
        .unflushed(KEY, '2026-11-22')
        .map((r) => r.requests)
        .sort(),
    ).toEqual([1, 2])
  })

  test('restore seeds today from the store without creating deltas; older days only in totals', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1000, defaultReserve: 100 })
    ledger.restore([row(), row({ model: 'n', promptTokens: 1 }), row({ day: '2026-11-21' })], NOON)
    expect(ledger.status(KEY, NOON)).toMatchObject({ used: 201, remaining: 799 })
    expect(ledger.pendingDeltas()).toBe(0)
    expect(ledger.usage(KEY, '2026-11-21')).toHaveLength(1)
    expect(ledger.size()).toBe(1)
    ledger.pruneBefore('2026-11-22')
    expect(ledger.usage(KEY, '2026-11-21')).toHaveLength(0)
    expect(ledger.usage(KEY, '2026-11-22')).toHaveLength(2)
    ledger.pruneBefore('2026-11-23')
    expect(ledger.size()).toBe(0)
    expect(ledger.usageOfDay('2026-11-22')).toEqual([])
  })

  test('usageCost ignores inherited names', () => {
    expect(usageCost({}, 'toString', { promptTokens: 1, completionTokens: 1 })).toBe(0)
  })
})

describe('usage admitted elsewhere (shared quota)', () => {
  const key = 'c'.repeat(64)
  const now = Date.UTC(2026, 0, 2, 12)

  test('record charges today’s counter, the totals and the deltas like a settlement', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1_000, defaultReserve: 10 })
    const row = ledger.record(key, '2026-01-02', { model: 'm', promptTokens: 30, completionTokens: 12.7 })
    expect(row).toMatchObject({ promptTokens: 30, completionTokens: 12, requests: 1 })
    expect(ledger.status(key, now)).toMatchObject({ used: 42, reserved: 0, remaining: 958 })
    expect(ledger.usage(key, '2026-01-02')).toHaveLength(1)
    expect(ledger.takeDeltas()).toHaveLength(1)
  })

  test('usage of a day before the key’s counter goes to totals only', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1_000, defaultReserve: 10 })
    ledger.record(key, '2026-01-02', { model: 'm', promptTokens: 1, completionTokens: 1 })
    ledger.record(key, '2026-01-01', { model: 'm', promptTokens: 500, completionTokens: 0 })
    expect(ledger.status(key, now).used).toBe(2)
    expect(ledger.usage(key, '2026-01-01')[0]?.promptTokens).toBe(500)
  })

  test('refuses a raw API key', () => {
    const ledger = createQuotaLedger({ dailyQuota: 1_000, defaultReserve: 10 })
    expect(() =>
      ledger.record('sk-raw', '2026-01-02', { model: 'm', promptTokens: 1, completionTokens: 1 }),
    ).toThrow('SHA-256')
  })
})
