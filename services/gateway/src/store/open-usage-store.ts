/** @module Picks the usage store: PostgreSQL when DATABASE_URL is set, the SQLite file at QUOTA_DB otherwise. */
import type { GatewayConfig } from '../config.ts'
import { openDatabase } from './db.ts'
import { createSqliteUsageStore, type UsageStore } from './usage-store.ts'

export interface OpenedUsageStore {
  store: UsageStore
  close(): Promise<void>
}

export function openUsageStore(config: Pick<GatewayConfig, 'databaseUrl' | 'quotaDb'>): OpenedUsageStore {
  if (config.databaseUrl) {
    // Loaded only when asked for: drizzle's PostgreSQL modules cost a SQLite gateway ~1.3 MB of idle memory.
    const { openPgUsageStore } = require('./pg-usage-store.ts') as typeof import('./pg-usage-store.ts')
    return openPgUsageStore(config.databaseUrl)
  }
  const database = openDatabase(config.quotaDb)
  return {
    store: createSqliteUsageStore(database.db),
    close: async () => database.close(),
  }
}
