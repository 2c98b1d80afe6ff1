/**
 * @module PostgreSQL schema (drizzle), the twin of schema.sqlite.ts: same table, keys and column names, so the
 * stores and their queries read the same on both dialects. Counters are bigint (a busy key's daily tokens can
 * pass 2^31) read as JS numbers.
 */
import { bigint, doublePrecision, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'

/** Token usage per API-key digest, UTC day and model. Rows only ever grow: flushes add deltas to them. */
export const usageDaily = pgTable(
  'usage_daily',
  {
    /** SHA-256 hex of the API key; the raw key is never stored. */
    keyHash: text('key_hash').notNull(),
    /** UTC day, 'YYYY-MM-DD': sorts and compares as text on both dialects. */
    day: text('day').notNull(),
    model: text('model').notNull(),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    requests: bigint('requests', { mode: 'number' }).notNull().default(0),
    /** USD, from the configured per-model prices at the time of the request. */
    cost: doublePrecision('cost').notNull().default(0),
    updatedAt: timestamp('updated_at', { mode: 'date', precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.keyHash, t.model] })],
)

export type UsageDailyPgRow = typeof usageDaily.$inferSelect
