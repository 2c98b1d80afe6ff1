import { describe, expect, test } from 'bun:test'
import { openDatabase } from './db.ts'
import { delta, KEY_A, KEY_B, NOW } from './usage-store.contract.ts'
import { createSqliteUsageStore } from './usage-store.ts'

describe('sqlite usage store', () => {
  test('adds deltas to existing rows instead of replacing them', () => {
    const { db, sqlite, close } = openDatabase(':memory:')
    const store = createSqliteUsageStore(db)
    store.addUsage([delta(), delta({ model: 'n' })], NOW)
    expect(sqlite.query("SELECT updated_at AS t FROM usage_daily WHERE model = 'n'").get()).toEqual({
      t: NOW,
    })
    store.addUsage([delta({ promptTokens: 1, completionTokens: 1, requests: 2, cost: 0.5 })], NOW + 1)
    expect(store.loadDay('2026-11-22')).toEqual([
      delta({ promptTokens: 11, completionTokens: 6, requests: 3, cost: 0.75 }),
      delta({ model: 'n' }),
    ])
    close()
  })

  test('a flush larger than one multi-row statement writes every row, full statements and the remainder alike', () => {
    const { db, close } = openDatabase(':memory:')
    const store = createSqliteUsageStore(db)
    const deltas = Array.from({ length: 450 }, (_, i) =>
      delta({ keyHash: i.toString(16).padStart(64, '0'), promptTokens: i, completionTokens: 2 * i }),
    )
    store.addUsage(deltas, NOW)
    store.addUsage(deltas, NOW)
    const rows = store.loadDay('2026-11-22')
    expect(rows).toHaveLength(450)
    expect(rows.reduce((sum, row) => sum + row.promptTokens, 0)).toBe(2 * ((449 * 450) / 2))
    expect(rows.every((row) => row.completionTokens === 2 * row.promptTokens && row.requests === 2)).toBe(
      true,
    )
    close()
  })

  test('writes many rows in one flush and adds to all of them on the next', () => {
    const { db, sqlite, close } = openDatabase(':memory:')
    const store = createSqliteUsageStore(db)
    const deltas = Array.from({ length: 50 }, (_, i) => delta({ keyHash: i.toString(16).padStart(64, '0') }))
    store.addUsage(deltas, NOW)
    store.addUsage(deltas, NOW)
    expect(sqlite.query('SELECT count(*) AS n, sum(prompt_tokens) AS p FROM usage_daily').get()).toEqual({
      n: 50,
      p: 1000,
    })
    close()
  })

  test('a failing row rolls back the whole flush', () => {
    const { db, sqlite, close } = openDatabase(':memory:')
    const store = createSqliteUsageStore(db)
    const bad = delta({ keyHash: KEY_B, model: null as unknown as string })
    expect(() => store.addUsage([delta(), delta({ model: 'x' }), bad], NOW)).toThrow()
    expect(sqlite.query('SELECT count(*) AS n FROM usage_daily').get()).toEqual({ n: 0 })
    close()
  })

  test('queries by day and by key, in a stable order', () => {
    const { db, close } = openDatabase(':memory:')
    const store = createSqliteUsageStore(db)
    store.addUsage([delta({ keyHash: KEY_B }), delta(), delta({ day: '2026-11-21' })], NOW)
    store.addUsage([], NOW)
    expect(store.query({}).map((r) => [r.day, r.keyHash[0]])).toEqual([
      ['2026-11-21', 'a'],
      ['2026-11-22', 'a'],
      ['2026-11-22', 'b'],
    ])
    expect(store.query({ keyHash: KEY_B })).toHaveLength(1)
    expect(store.query({ day: '2026-11-22', keyHash: KEY_A })).toEqual([delta()])
    expect(store.loadDay('2026-11-20')).toEqual([])
    close()
  })
})
