/**
 * @module Durable usage: the `UsageStore` interface the flusher writes through (SQLite here, Postgres in the
 * scale-out issue) and its SQLite implementation, which ADDS deltas to rows in batched upserts.
 */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { UsageRecord } from '../core/quota.ts'
import type { GatewayDb } from './db.ts'
import { usageDaily } from './schema.sqlite.ts'

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

export interface SqliteUsageStoreOptions {
  /** Rows per INSERT; 500 × 8 parameters stays far below SQLite's variable limit. */
  batchSize?: number
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

/**
 * @example
 * const store = createSqliteUsageStore(openDatabase(config.quotaDb).db)
 * ledger.restore(store.loadDay(utcDay(now)), now)
 */
export function createSqliteUsageStore(db: GatewayDb, options: SqliteUsageStoreOptions = {}): SqliteUsageStore {
  const batchSize = options.batchSize ?? 500
  const query = (filter: UsageFilter): UsageRecord[] => {
    const conditions = [
      filter.day === undefined ? undefined : eq(usageDaily.day, filter.day),
      filter.keyHash === undefined ? undefined : eq(usageDaily.keyHash, filter.keyHash),
    ]
    return db
      .select(columns)
      .from(usageDaily)
      .where(and(...conditions))
      .orderBy(asc(usageDaily.day), asc(usageDaily.keyHash), asc(usageDaily.model))
      .all()
  }

  return {
    addUsage(deltas, nowMs) {
      if (deltas.length === 0) return
      const updatedAt = new Date(nowMs)
      db.transaction((tx) => {
        for (let start = 0; start < deltas.length; start += batchSize) {
          const batch = deltas.slice(start, start + batchSize).map((delta) => ({ ...delta, updatedAt }))
          tx.insert(usageDaily)
            .values(batch)
            .onConflictDoUpdate({
              target: [usageDaily.keyHash, usageDaily.day, usageDaily.model],
              set: {
                promptTokens: sql`${usageDaily.promptTokens} + excluded.prompt_tokens`,
                completionTokens: sql`${usageDaily.completionTokens} + excluded.completion_tokens`,
                requests: sql`${usageDaily.requests} + excluded.requests`,
                cost: sql`${usageDaily.cost} + excluded.cost`,
                updatedAt: sql`excluded.updated_at`,
              },
            })
            .run()
        }
      })
    },
    loadDay: (day) => query({ day }),
    query,
  }
}
