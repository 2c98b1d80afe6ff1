/**
 * @module Durable usage: the `UsageStore` interface the flusher writes through (SQLite here, Postgres in the
 * scale-out issue) and its SQLite implementation, which ADDS deltas to rows, one transaction per flush.
 */
import { Param, Placeholder, sql } from 'drizzle-orm'
import type { UsageRecord } from '../core/quota.ts'
import type { GatewayDb } from './db.ts'
import { usageDaily } from './schema.sqlite.ts'
import { usageOrder, usageWhere } from './usage-filter.ts'

type MaybePromise<T> = T | Promise<T>

export interface UsageFilter {
  day?: string
  keyHash?: string
}

export interface UsageStore {
  /** Adds every delta to its (key, day, model) row, all or nothing: a failure leaves the store unchanged. */
  addUsage(deltas: readonly UsageRecord[], nowMs: number): MaybePromise<void>
  /** Rows of one day, to restore the ledger at start-up. */
  loadDay(day: string): MaybePromise<UsageRecord[]>
  /** Rows by day and/or key, ordered by day, key, model (for /admin/usage). */
  query(filter: UsageFilter): MaybePromise<UsageRecord[]>
}

/** The SQLite store answers synchronously (bun:sqlite is synchronous). */
export interface SqliteUsageStore extends UsageStore {
  addUsage(deltas: readonly UsageRecord[], nowMs: number): void
  loadDay(day: string): UsageRecord[]
  query(filter: UsageFilter): UsageRecord[]
}

const columns = {
  keyHash: usageDaily.keyHash,
  day: usageDaily.day,
  model: usageDaily.model,
  promptTokens: usageDaily.promptTokens,
  completionTokens: usageDaily.completionTokens,
  requests: usageDaily.requests,
  cost: usageDaily.cost,
}

type UpsertField = keyof UsageRecord | 'updatedAt'

/**
 * Drizzle writes the additive upsert once, with named placeholders; a flush then runs it as a prepared
 * statement on the bun:sqlite handle, one row per run. Measured here, drizzle-built 500-row INSERTs spent
 * most of a flush building queries (~2.3 s for 100k rows, 4–5× this).
 */
/** Rows per multi-row upsert: one statement carries 200 × 8 parameters, well under SQLite's limit of 32766. */
const ROWS_PER_STATEMENT = 200

function prepareUpsert(db: GatewayDb): (deltas: readonly UsageRecord[], updatedAtMs: number) => void {
  const names: UpsertField[] = [...(Object.keys(columns) as (keyof UsageRecord)[]), 'updatedAt']
  const placeholders = Object.fromEntries(names.map((name) => [name, sql.placeholder(name)]))
  const { sql: text, params } = db
    .insert(usageDaily)
    .values(placeholders as unknown as typeof usageDaily.$inferInsert)
    .onConflictDoUpdate({
      target: [usageDaily.day, usageDaily.keyHash, usageDaily.model],
      set: {
        promptTokens: sql`${usageDaily.promptTokens} + excluded.prompt_tokens`,
        completionTokens: sql`${usageDaily.completionTokens} + excluded.completion_tokens`,
        requests: sql`${usageDaily.requests} + excluded.requests`,
        cost: sql`${usageDaily.cost} + excluded.cost`,
        updatedAt: sql`excluded.updated_at`,
      },
    })
    .toSQL()
  // Each parameter is a column's Param wrapping our named Placeholder: read the names in SQL order.
  const order = params.map((param) => {
    const inner = param instanceof Param ? param.value : param
    if (!(inner instanceof Placeholder)) throw new Error('usage upsert: unexpected inline parameter')
    return inner.name as UpsertField
  })
  // One statement per row spent most of a flush crossing into SQLite; a VALUES list of many tuples does not.
  const tuple = /values (\([^)]*\))/i.exec(text)?.[1]
  if (!tuple) throw new Error('usage upsert: no VALUES tuple in the generated SQL')
  const prepareRows = (rows: number) =>
    db.$client.prepare(text.replace(tuple, Array(rows).fill(tuple).join(', ')))
  const many = prepareRows(ROWS_PER_STATEMENT)
  const one = prepareRows(1)
  const bind = (values: unknown[], delta: UsageRecord, updatedAtMs: number) => {
    for (const name of order) values.push(name === 'updatedAt' ? updatedAtMs : delta[name])
  }
  return (deltas, updatedAtMs) => {
    let start = 0
    for (; start + ROWS_PER_STATEMENT <= deltas.length; start += ROWS_PER_STATEMENT) {
      const values: unknown[] = []
      for (let i = start; i < start + ROWS_PER_STATEMENT; i++)
        bind(values, deltas[i] as UsageRecord, updatedAtMs)
      many.run(...(values as never[]))
    }
    for (; start < deltas.length; start++) {
      const values: unknown[] = []
      bind(values, deltas[start] as UsageRecord, updatedAtMs)
      one.run(...(values as never[]))
    }
  }
}

/**
 * @example
 * const store = createSqliteUsageStore(openDatabase(config.quotaDb).db)
 * ledger.restore(store.loadDay(utcDay(now)), now)
 */
export function createSqliteUsageStore(db: GatewayDb): SqliteUsageStore {
  const upsert = prepareUpsert(db)
  // One transaction per flush: a failure part-way rolls every row back, so the ledger's retry never double-counts.
  const writeAll = db.$client.transaction((deltas: readonly UsageRecord[], nowMs: number) =>
    upsert(deltas, nowMs),
  )
  const query = (filter: UsageFilter): UsageRecord[] =>
    db
      .select(columns)
      .from(usageDaily)
      .where(usageWhere(usageDaily, filter))
      .orderBy(...usageOrder(usageDaily))
      .all()

  return {
    addUsage(deltas, nowMs) {
      if (deltas.length > 0) writeAll(deltas, nowMs)
    },
    loadDay: (day) => query({ day }),
    query,
  }
}
