import { describe, expect, test } from 'bun:test'
import { createQuotaLedger } from './quota.ts'
import { createLedgerUsageView } from './usage-view.ts'

const KEY = 'a'.repeat(64)
const NOON = Date.UTC(2026, 10, 22, 12)

describe('ledger usage view', () => {
  test('answers from the one ledger: status, usage per model, and the flusher state with the key count', async () => {
    const ledger = createQuotaLedger({ dailyQuota: 1_000, defaultReserve: 100 })
    let pendingDeltas = 0
    const view = createLedgerUsageView(ledger, () => ({
      pendingDeltas,
      lagMs: 5,
      consecutiveFailures: 1,
      failuresTotal: 2,
    }))
    expect(await view.status(KEY, NOON)).toEqual({
      day: '2026-11-22',
      quota: 1_000,
      used: 0,
      reserved: 0,
      remaining: 1_000,
    })
    const admitted = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 10, maxTokens: 20 })
    const open = ledger.reserve({ keyHash: KEY, nowMs: NOON, promptTokens: 5, maxTokens: 5 })
    if (!admitted.ok || !open.ok) throw new Error('admitted')
    ledger.settle(admitted.reservation, { model: 'm', promptTokens: 10, completionTokens: 15 })
    pendingDeltas = ledger.pendingDeltas()
    expect(await view.status(KEY, NOON)).toMatchObject({ used: 25, reserved: 10, remaining: 965 })
    expect(await view.usage(KEY, '2026-11-22')).toMatchObject([
      { model: 'm', completionTokens: 15, requests: 1 },
    ])
    expect(await view.usage(KEY, '2026-11-21')).toEqual([])
    expect(await view.summary()).toEqual({
      keys: 1,
      pendingDeltas: 1,
      lagMs: 5,
      consecutiveFailures: 1,
      failuresTotal: 2,
    })
  })
})
