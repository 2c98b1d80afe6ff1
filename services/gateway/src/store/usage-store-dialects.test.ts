import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { startPostgres, type TestPostgres } from '../../test/servers/postgres-server.ts'
import { openDatabase } from './db.ts'
import { openUsageStore } from './open-usage-store.ts'
import { openPgUsageStore } from './pg-usage-store.ts'
import { describeUsageStoreContract } from './usage-store.contract.ts'
import { createSqliteUsageStore } from './usage-store.ts'

let pg: TestPostgres
let databases = 0

beforeAll(async () => {
  pg = await startPostgres()
}, 30_000)
afterAll(async () => {
  await pg?.stop()
})

describeUsageStoreContract('sqlite', async () => {
  const database = openDatabase(':memory:')
  return {
    store: createSqliteUsageStore(database.db),
    count: async () =>
      database.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM usage_daily').get()?.n ?? -1,
    close: async () => database.close(),
  }
})

describeUsageStoreContract('postgresql', async () => {
  const url = await pg.createDatabase(`contract_${databases++}`)
  const { store, close } = openPgUsageStore(url)
  const sql = new SQL(url)
  return {
    store,
    async count() {
      const [row] = await sql`SELECT count(*)::int AS n FROM usage_daily`
      return (row as { n: number }).n
    },
    async close() {
      await sql.close()
      await close()
    },
  }
})

describe('postgres usage store', () => {
  test('DATABASE_URL selects PostgreSQL and migrations run once, idempotently, on first use', async () => {
    const url = await pg.createDatabase('select_pg')
    const first = openUsageStore({ databaseUrl: url, quotaDb: '/nonexistent/never-opened.db' })
    expect(await first.store.loadDay('2026-01-01')).toEqual([])
    await first.close()
    const second = openPgUsageStore(url)
    expect(await second.store.query({})).toEqual([])
    await second.close()
    const sql = new SQL(url)
    const [row] = await sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`
    expect((row as { n: number }).n).toBe(1)
    await sql.close()
  })

  test('an unreachable database fails with a clear error that does not leak the URL', async () => {
    const { store, close } = openPgUsageStore('postgres://gateway:s3cret@127.0.0.1:1/none')
    const error = await Promise.resolve(store.loadDay('2026-01-01')).catch((e: unknown) => e)
    expect(String(error)).toContain('cannot open the PostgreSQL usage store (DATABASE_URL)')
    expect(String(error)).not.toContain('s3cret')
    await close()
  })
})
