/**
 * @module SQLite schema (drizzle). The Postgres twin (schema.pg.ts) keeps the same tables, keys and column
 * names, so the usage store code and its queries read the same on both.
 */
import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Token usage per API-key digest, UTC day and model. Rows only ever grow: flushes add deltas to them. */
export const usageDaily = sqliteTable(
  'usage_daily',
  {
    /** SHA-256 hex of the API key; the raw key is never stored. */
    keyHash: text('key_hash').notNull(),
    /** UTC day, 'YYYY-MM-DD': sorts and compares as text on both dialects. */
    day: text('day').notNull(),
    model: text('model').notNull(),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    requests: integer('requests').notNull().default(0),
    /** USD, from the configured per-model prices at the time of the request. */
    cost: real('cost').notNull().default(0),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  // Day first: a day's rows (start-up restore, /admin/usage?day=) are a range of the primary key, today's
  // writes land together in the tree, and no second index has to be maintained on every flush.
  (t) => [primaryKey({ columns: [t.day, t.keyHash, t.model] })],
)

export type UsageDailyRow = typeof usageDaily.$inferSelect
export type NewUsageDailyRow = typeof usageDaily.$inferInsert
