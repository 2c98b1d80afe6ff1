/**
 * @module The usage store on PostgreSQL (DATABASE_URL): drizzle over Bun's built-in SQL driver, migrations from
 * drizzle/pg run before the first use, and the same additive upsert as SQLite, one transaction per write, so
 * several replicas flushing their own deltas into one table keep every sum exact.
 */
import { fileURLToPath } from 'node:url'
import { SQL } from 'bun'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/bun-sql'
import { migrate } from 'drizzle-orm/bun-sql/migrator'
import type { UsageRecord } from '../core/quota.ts'
import * as schema from './schema.pg.ts'
import { usageOrder, usageWhere } from './usage-filter.ts'
import type { UsageFilter, UsageStore } from './usage-store.ts'

export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/pg', import.meta.url))

const { usageDaily } = schema
const columns = {
  keyHash: usageDaily.keyHash,
  day: usageDaily.day,
  model: usageDaily.model,
  promptTokens: usageDaily.promptTokens,
  completionTokens: usageDaily.completionTokens,
  requests: usageDaily.requests,
  cost: usageDaily.cost,
}

const MIGRATION_ATTEMPTS = 5
const isConnectionError = (error: unknown): boolean =>
  /ECONNREFUSED|connection|timed out/i.test(error instanceof Error ? error.message : String(error))

/** Rows per INSERT: well under PostgreSQL's 65535 bind parameters (8 per row). */
const ROWS_PER_STATEMENT = 1000

export interface PgUsageStore extends UsageStore {
  addUsage(deltas: readonly UsageRecord[], nowMs: number): Promise<void>
  loadDay(day: string): Promise<UsageRecord[]>
  query(filter: UsageFilter): Promise<UsageRecord[]>
}

/**
 * Connects lazily; the first call (the start-up restore) runs the migrations and fails with the reason if the
 * database cannot be reached. The URL is never logged or put in an error (it may hold a password).
 * @example
 * const { store, close } = openPgUsageStore('postgres://gateway@127.0.0.1:5432/infergate')
 */
export function openPgUsageStore(url: string): { store: PgUsageStore; close(): Promise<void> } {
  const client = new SQL(url, { max: 4, connectionTimeout: 5 })
  const db = drizzle({ client, schema })
  let ready: Promise<void> | undefined
  // Replicas starting together race to create the same tables; the loser's retry finds them migrated.
  const migrateWithRetry = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await migrate(db, { migrationsFolder: PG_MIGRATIONS_FOLDER })
      } catch (error) {
        if (attempt >= MIGRATION_ATTEMPTS || isConnectionError(error)) throw error
        await Bun.sleep(50 * attempt + Math.random() * 100)
      }
    }
  }
  const migrated = () => {
    ready ??= migrateWithRetry().catch((error: unknown) => {
      ready = undefined
      const reason = error instanceof Error ? error.message : String(error)
      throw new Error(`cannot open the PostgreSQL usage store (DATABASE_URL): ${reason}`, { cause: error })
    })
    return ready
  }

  const query = async (filter: UsageFilter): Promise<UsageRecord[]> => {
    await migrated()
    return db
      .select(columns)
      .from(usageDaily)
      .where(usageWhere(usageDaily, filter))
      .orderBy(...usageOrder(usageDaily))
  }

  const store: PgUsageStore = {
    async addUsage(deltas, nowMs) {
      if (deltas.length === 0) return
      await migrated()
      const updatedAt = new Date(nowMs)
      // All or nothing: a failed flush goes back to the ledger whole, so the retry never double-counts.
      await db.transaction(async (tx) => {
        for (let start = 0; start < deltas.length; start += ROWS_PER_STATEMENT) {
          const rows = deltas
            .slice(start, start + ROWS_PER_STATEMENT)
            .map((delta) => ({ ...delta, updatedAt }))
          await tx
            .insert(usageDaily)
            .values(rows)
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
        }
      })
    },
    loadDay: (day) => query({ day }),
    query,
  }
  return { store, close: () => client.close() }
}
