/**
 * @module The behaviour every UsageStore must have, as one suite run against each dialect (SQLite and
 * PostgreSQL), so the two stores cannot drift apart.
 */
import { describe, expect, test } from 'bun:test'
import type { UsageRecord } from '../core/quota.ts'
import type { UsageStore } from './usage-store.ts'

export const KEY_A = 'a'.repeat(64)
export const KEY_B = 'b'.repeat(64)
export const NOW = Date.UTC(2026, 10, 22, 12)

/** One usage delta for KEY_A on 2026-11-22, with fields overridden. */
export const delta = (over: Partial<UsageRecord> = {}): UsageRecord => ({
  keyHash: KEY_A,
  day: '2026-11-22',
  model: 'm',
  promptTokens: 10,
  completionTokens: 5,
  requests: 1,
  cost: 0.25,
  ...over,
})

export interface OpenedStore {
  store: UsageStore
  /** Rows in usage_daily, read around the store. */
  count(): Promise<number>
  close(): Promise<void>
}

export function describeUsageStoreContract(dialect: string, open: () => Promise<OpenedStore>): void {
  describe(`usage store contract (${dialect})`, () => {
    test('adds deltas to existing rows instead of replacing them', async () => {
      const { store, close } = await open()
      await store.addUsage([delta(), delta({ model: 'n' })], NOW)
      await store.addUsage([delta({ promptTokens: 1, completionTokens: 1, requests: 2, cost: 0.5 })], NOW + 1)
      expect(await store.loadDay('2026-11-22')).toEqual([
        delta({ promptTokens: 11, completionTokens: 6, requests: 3, cost: 0.75 }),
        delta({ model: 'n' }),
      ])
      await close()
    })

    test('writes many rows in one flush and adds to all of them on the next', async () => {
      const { store, count, close } = await open()
      const deltas = Array.from({ length: 1_500 }, (_, i) =>
        delta({ keyHash: i.toString(16).padStart(64, '0') }),
      )
      await store.addUsage(deltas, NOW)
      await store.addUsage(deltas, NOW)
      expect(await count()).toBe(1_500)
      const rows = await store.loadDay('2026-11-22')
      expect(rows.reduce((sum, r) => sum + r.promptTokens, 0)).toBe(30_000)
      await close()
    })

    test('a failing row rolls back the whole flush', async () => {
      const { store, count, close } = await open()
      const bad = delta({ keyHash: KEY_B, model: null as unknown as string })
      const write = Promise.resolve().then(() => store.addUsage([delta(), delta({ model: 'x' }), bad], NOW))
      await expect(write).rejects.toThrow()
      expect(await count()).toBe(0)
      await close()
    })

    test('queries by day and by key, in a stable order', async () => {
      const { store, close } = await open()
      await store.addUsage([delta({ keyHash: KEY_B }), delta(), delta({ day: '2026-11-21' })], NOW)
      await store.addUsage([], NOW)
      expect((await store.query({})).map((r) => [r.day, r.keyHash[0]])).toEqual([
        ['2026-11-21', 'a'],
        ['2026-11-22', 'a'],
        ['2026-11-22', 'b'],
      ])
      expect(await store.query({ keyHash: KEY_B })).toHaveLength(1)
      expect(await store.query({ day: '2026-11-22', keyHash: KEY_A })).toEqual([delta()])
      expect(await store.loadDay('2026-11-20')).toEqual([])
      await close()
    })

    test('counters beyond 2^31 stay exact', async () => {
      const { store, close } = await open()
      await store.addUsage([delta({ promptTokens: 2 ** 31 + 7 })], NOW)
      await store.addUsage([delta({ promptTokens: 2 ** 31 })], NOW)
      expect((await store.loadDay('2026-11-22'))[0]?.promptTokens).toBe(2 ** 32 + 7)
      await close()
    })
  })
}
