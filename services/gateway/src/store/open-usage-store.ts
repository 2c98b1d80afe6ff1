/** @module Picks the usage store: PostgreSQL when DATABASE_URL is set, the SQLite file at QUOTA_DB otherwise. */
import type { GatewayConfig } from '../config.ts'
import { openDatabase } from './db.ts'
import { openPgUsageStore } from './pg-usage-store.ts'
import { createSqliteUsageStore, type UsageStore } from './usage-store.ts'

export interface OpenedUsageStore {
  store: UsageStore
  close(): Promise<void>
}

export function openUsageStore(config: Pick<GatewayConfig, 'databaseUrl' | 'quotaDb'>): OpenedUsageStore {
  if (config.databaseUrl) return openPgUsageStore(config.databaseUrl)
  const database = openDatabase(config.quotaDb)
  return {
    store: createSqliteUsageStore(database.db),
    close: async () => database.close(),
  }
}
