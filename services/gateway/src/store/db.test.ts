import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseOpenError, openDatabase } from './db.ts'

const dirs: string[] = []
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-db-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('openDatabase', () => {
  test('creates the directory and file, in WAL mode, with the migrations applied', () => {
    const path = join(tempDir(), 'nested', 'gateway.db')
    const database = openDatabase(path)
    const mode = database.sqlite.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()
    expect(mode?.journal_mode).toBe('wal')
    const tables = database.sqlite
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
    expect(tables.map((t) => t.name)).toContain('usage_daily')
    database.close()
    // Re-opening an up-to-date file applies nothing twice.
    const again = openDatabase(path)
    const applied = again.sqlite
      .query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations')
      .get()
    expect(applied?.n).toBe(1)
    again.close()
  })

  test('works in memory', () => {
    const database = openDatabase(':memory:')
    expect(database.sqlite.query('SELECT count(*) AS n FROM usage_daily').get()).toEqual({ n: 0 })
    database.close()
  })

  test('a path that cannot be opened stops start-up with an error naming it', () => {
    const dir = tempDir()
    const blocker = join(dir, 'file')
    writeFileSync(blocker, 'not a directory')
    const path = join(blocker, 'gateway.db')
    expect(() => openDatabase(path)).toThrow(DatabaseOpenError)
    expect(() => openDatabase(path)).toThrow(`cannot open or write the quota database at ${path}`)
    expect(() => openDatabase(dir)).toThrow(dir)
  })

  test('a file that is not a database is refused, not overwritten', () => {
    const path = join(tempDir(), 'garbage.db')
    writeFileSync(path, 'x'.repeat(4096))
    expect(() => openDatabase(path)).toThrow('quota database')
  })

  test('a file locked by another writer is refused at start-up', () => {
    const path = join(tempDir(), 'locked.db')
    openDatabase(path).close()
    const other = new Database(path)
    other.exec('BEGIN EXCLUSIVE')
    try {
      expect(() => openDatabase(path, { busyTimeoutMs: 0 })).toThrow(/locked/)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
  })
})
