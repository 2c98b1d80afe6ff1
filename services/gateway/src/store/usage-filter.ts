/**
 * @module The usage query both stores run, SQLite and PostgreSQL alike: a filter by day and key, ordered by day, key
 * and model. drizzle's conditions are dialect-free; only the table objects differ.
 */
import { and, asc, type Column, eq, type SQL } from 'drizzle-orm'
import type { UsageFilter } from './usage-store.ts'

interface UsageColumns {
  day: Column
  keyHash: Column
  model: Column
}

/** The WHERE clause of `filter`; undefined (every row) when it sets nothing. */
export const usageWhere = (table: UsageColumns, filter: UsageFilter): SQL | undefined =>
  and(
    filter.day === undefined ? undefined : eq(table.day, filter.day),
    filter.keyHash === undefined ? undefined : eq(table.keyHash, filter.keyHash),
  )

/** Rows in a stable order: reports and restores read them the same way from either store. */
export const usageOrder = (table: UsageColumns): SQL[] => [
  asc(table.day),
  asc(table.keyHash),
  asc(table.model),
]
