/** @module Opens the gateway's SQLite database (WAL) and brings it to the committed migrations. */
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BunSQLiteDatabase, drizzle } from 'drizzle-orm/bun-sqlite'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import * as schema from './schema.sqlite.ts'

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

export type GatewayDb = BunSQLiteDatabase<typeof schema> & { $client: Database }

export interface GatewayDatabase {
  readonly db: GatewayDb
  readonly sqlite: Database
  readonly path: string
  close(): void
}

export class DatabaseOpenError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`cannot open or write the quota database at ${path}: ${reason}`, { cause })
    this.name = 'DatabaseOpenError'
  }
}

export interface OpenDatabaseOptions {
  /**
   * How long a write waits for a lock held elsewhere. bun:sqlite blocks the event loop while it waits, so
   * this stays short: a flush that meets a lock fails and is retried on the next interval instead.
   */
  busyTimeoutMs?: number
}

/**
 * Opens (creating the file and its directory) `path`, or ':memory:', in WAL mode, runs the migrations and
 * proves the file is writable, so a bad QUOTA_DB stops start-up with one clear error naming the path.
 * @example
 * const { db, close } = openDatabase(config.quotaDb)
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): GatewayDatabase {
  let sqlite: Database | undefined
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    sqlite = new Database(path, { create: true, strict: true })
    sqlite.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 50))}`)
    const mode = sqlite.query<{ journal_mode: string }, []>('PRAGMA journal_mode = WAL').get()?.journal_mode
    if (path !== ':memory:' && mode !== 'wal')
      throw new Error(`journal mode is ${mode}, WAL could not be enabled`)
    // WAL + NORMAL: a killed process never corrupts the file or loses a committed flush.
    sqlite.exec('PRAGMA synchronous = NORMAL')
    const db = drizzle(sqlite, { schema })
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
    const version = sqlite.query<{ user_version: number }, []>('PRAGMA user_version').get()?.user_version ?? 0
    sqlite.exec(`PRAGMA user_version = ${version}`) // a real write: read-only files fail here, not at first flush
    const handle = sqlite
    return { db, sqlite: handle, path, close: () => handle.close() }
  } catch (error) {
    sqlite?.close()
    throw new DatabaseOpenError(path, error)
  }
}
