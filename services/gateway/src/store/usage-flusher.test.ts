import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeClock } from '../core/clock.ts'
import { createQuotaLedger, type QuotaLedger, utcDay } from '../core/quota.ts'
import { openDatabase } from './db.ts'
import { createUsageFlusher, type FlushReport } from './usage-flusher.ts'
import { createSqliteUsageStore, type UsageStore } from './usage-store.ts'

const KEY = 'c'.repeat(64)
const NOON = Date.UTC(2026, 10, 22, 12)
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempPath = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-flush-'))
  dirs.push(dir)
  return join(dir, 'gateway.db')
}

const newLedger = () => createQuotaLedger({ dailyQuota: 100_000, defaultReserve: 100 })

function charge(ledger: QuotaLedger, nowMs: number, completionTokens: number, model = 'm'): void {
  const admission = ledger.reserve({ keyHash: KEY, nowMs, promptTokens: 10 })
  if (!admission.ok) throw new Error('expected admission')
  ledger.settle(admission.reservation, { model, promptTokens: 10, completionTokens })
}

describe('usage flusher', () => {
  test('flushes on its interval and reports each flush', async () => {
    const clock = createFakeClock(NOON)
    const ledger = newLedger()
    const { db, close } = openDatabase(':memory:')
    const store = createSqliteUsageStore(db)
    const reports: FlushReport[] = []
    const flusher = createUsageFlusher({
      ledger,
      store,
      clock,
      timers: clock,
      intervalMs: 10_000,
      onFlush: (r) => reports.push(r),
    })
    flusher.start()
    flusher.start()
    charge(ledger, NOON, 5)
    clock.advanceMs(9_999)
    expect(store.loadDay('2026-11-22')).toEqual([])
    clock.advanceMs(1)
    await flusher.flush()
    expect(store.loadDay('2026-11-22')).toMatchObject([
      { promptTokens: 10, completionTokens: 5, requests: 1 },
    ])
    expect(reports).toMatchObject([{ ok: true, rows: 1 }])
    expect(flusher.status()).toEqual({ pendingDeltas: 0, lagMs: 0, consecutiveFailures: 0, failuresTotal: 0 })
    expect(clock.pendingTimers()).toBe(1) // rescheduled
    await flusher.stop()
    expect(clock.pendingTimers()).toBe(0)
    close()
  })

  test('a flush against a locked file keeps the usage in memory and a later flush writes it', async () => {
    const path = tempPath()
    const clock = createFakeClock(NOON)
    const ledger = newLedger()
    const database = openDatabase(path, { busyTimeoutMs: 0 })
    const store = createSqliteUsageStore(database.db)
    const flusher = createUsageFlusher({ ledger, store, clock, timers: clock, intervalMs: 1000 })
    charge(ledger, NOON, 5)
    const other = new Database(path)
    other.exec('BEGIN EXCLUSIVE')
    const failed = await flusher.flush()
    expect(failed).toMatchObject({ ok: false, rows: 1 })
    expect(String(failed.error)).toMatch(/locked/)
    charge(ledger, NOON, 7)
    clock.advanceMs(3000)
    expect(flusher.status()).toEqual({
      pendingDeltas: 1,
      lagMs: 3000,
      consecutiveFailures: 1,
      failuresTotal: 1,
    })
    other.exec('ROLLBACK')
    other.close()
    expect(await flusher.flush()).toMatchObject({ ok: true, rows: 1 })
    expect(store.loadDay('2026-11-22')).toMatchObject([
      { promptTokens: 20, completionTokens: 12, requests: 2 },
    ])
    database.close()
  })

  test('a closed database fails the flush without losing data; a reopened one receives it', async () => {
    const path = tempPath()
    const clock = createFakeClock(NOON)
    const ledger = newLedger()
    const first = openDatabase(path)
    let store: UsageStore = createSqliteUsageStore(first.db)
    const flusher = createUsageFlusher({
      ledger,
      clock,
      timers: clock,
      intervalMs: 1000,
      store: {
        addUsage: (d, n) => store.addUsage(d, n),
        loadDay: (d) => store.loadDay(d),
        query: (f) => store.query(f),
      },
    })
    charge(ledger, NOON, 3)
    first.close()
    expect((await flusher.flush()).ok).toBe(false)
    const second = openDatabase(path)
    store = createSqliteUsageStore(second.db)
    expect((await flusher.flush()).ok).toBe(true)
    expect(store.loadDay('2026-11-22')).toMatchObject([{ completionTokens: 3 }])
    second.close()
  })

  test('a large flush goes in pieces; a piece that fails goes back without the pieces already written', async () => {
    const clock = createFakeClock(NOON)
    const ledger = createQuotaLedger({ dailyQuota: Number.POSITIVE_INFINITY, defaultReserve: 1 })
    const { db, close } = openDatabase(':memory:')
    const sqlite = createSqliteUsageStore(db)
    let calls = 0
    const flaky: UsageStore = {
      addUsage(deltas, nowMs) {
        calls++
        if (calls === 2) throw new Error('disk full')
        sqlite.addUsage(deltas, nowMs)
      },
      loadDay: (day) => sqlite.loadDay(day),
      query: (filter) => sqlite.query(filter),
    }
    const flusher = createUsageFlusher({
      ledger,
      store: flaky,
      clock,
      timers: clock,
      intervalMs: 1000,
      chunkRows: 4,
    })
    for (let i = 0; i < 10; i++) {
      const keyHash = i.toString(16).padStart(64, '0')
      const admission = ledger.reserve({ keyHash, nowMs: NOON, promptTokens: 1 })
      if (admission.ok)
        ledger.settle(admission.reservation, { model: 'm', promptTokens: 1, completionTokens: 1 })
    }
    expect(await flusher.flush()).toMatchObject({ ok: false, rows: 6 })
    expect(sqlite.loadDay('2026-11-22')).toHaveLength(4)
    expect(ledger.pendingDeltas()).toBe(6)
    expect(await flusher.flush()).toMatchObject({ ok: true, rows: 6 })
    const rows = sqlite.loadDay('2026-11-22')
    expect(rows).toHaveLength(10)
    expect(rows.every((row) => row.promptTokens === 1 && row.requests === 1)).toBe(true)
    close()
  })

  test('exclusive work waits for a flush in flight, and a flush asked for meanwhile waits for it', async () => {
    const clock = createFakeClock(NOON)
    const ledger = newLedger()
    const { db, close } = openDatabase(':memory:')
    const sqlite = createSqliteUsageStore(db)
    let release = () => {}
    const slow: UsageStore = {
      async addUsage(deltas, nowMs) {
        await new Promise<void>((resolve) => {
          release = resolve
        })
        sqlite.addUsage(deltas, nowMs)
      },
      loadDay: (day) => sqlite.loadDay(day),
      query: (filter) => sqlite.query(filter),
    }
    const flusher = createUsageFlusher({ ledger, store: slow, clock, timers: clock, intervalMs: 1000 })
    charge(ledger, NOON, 5)
    const first = flusher.flush()
    await Bun.sleep(0)
    // The delta is out of the ledger but not yet in the store: a plain read would miss it.
    expect(ledger.unflushed(KEY, '2026-11-22')).toEqual([])
    const seen = flusher.exclusive(() => ({
      stored: sqlite.query({ keyHash: KEY }).length,
      pending: ledger.unflushed(KEY, '2026-11-22').length,
    }))
    const failing = flusher.exclusive(() => {
      throw new Error('read failed')
    })
    charge(ledger, NOON, 6)
    const second = flusher.flush()
    release()
    expect(await first).toMatchObject({ ok: true, rows: 1 })
    expect(await seen).toEqual({ stored: 1, pending: 1 })
    await expect(failing).rejects.toThrow('read failed')
    await Bun.sleep(0)
    release()
    // A failed exclusive read does not stall the flushes behind it.
    expect(await second).toMatchObject({ ok: true, rows: 1 })
    expect(sqlite.query({ keyHash: KEY })).toMatchObject([{ completionTokens: 11, requests: 2 }])
    close()
  })

  test('restart restores today’s usage exactly (final flush on stop, restore on start)', async () => {
    const path = tempPath()
    const clock = createFakeClock(NOON)
    const before = newLedger()
    const firstDb = openDatabase(path)
    const flusher = createUsageFlusher({
      ledger: before,
      store: createSqliteUsageStore(firstDb.db),
      clock,
      timers: clock,
      intervalMs: 10_000,
    })
    flusher.start()
    charge(before, NOON - 86_400_000, 1000) // yesterday: persisted, not part of today's quota
    charge(before, NOON, 5, 'a')
    charge(before, NOON, 6, 'b')
    clock.advanceMs(10_000)
    charge(before, NOON, 7, 'a')
    await flusher.stop()
    firstDb.close()

    const secondDb = openDatabase(path)
    const after = newLedger()
    const store = createSqliteUsageStore(secondDb.db)
    after.restore(store.loadDay(utcDay(clock.nowMs())), clock.nowMs())
    expect(after.status(KEY, clock.nowMs())).toEqual(before.status(KEY, clock.nowMs()))
    expect(after.usage(KEY, '2026-11-22')).toEqual(before.usage(KEY, '2026-11-22'))
    expect(store.loadDay('2026-11-21')).toMatchObject([{ completionTokens: 1000 }])
    secondDb.close()
  })
})
