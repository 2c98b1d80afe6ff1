import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { RedisClient } from 'bun'
import { startRedis, type TestRedis } from '../../test/servers/redis-server.ts'
import { createFakeClock, systemTimers } from '../core/clock.ts'
import { createQuotaLedger } from '../core/quota.ts'
import { openDatabase } from './db.ts'
import { createRedisLink, type RedisCommands, type RedisLink } from './redis-link.ts'
import { createRedisQuota } from './redis-quota.ts'
import { createRedisUsageView } from './redis-usage-view.ts'
import { createUsageFlusher } from './usage-flusher.ts'
import { createSqliteUsageStore, type UsageStore } from './usage-store.ts'

const KEY = 'a'.repeat(64)
const FREE = 'f'.repeat(64)
const NOW = Date.UTC(2026, 5, 1, 12)
const DAY = '2026-06-01'

let redis: TestRedis
const links: RedisLink[] = []
const closers: (() => void)[] = []
let prefixCounter = 0

beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const link of links) link.close()
  for (const close of closers) close()
  await redis.stop()
})

/** A Redis that refuses every command, like one that went away. */
const deadRedis: RedisCommands = {
  connected: true,
  connect: async () => {},
  send: () => Promise.reject(new Error('ECONNREFUSED')),
  close: () => {},
}

async function linkTo(client?: RedisCommands): Promise<RedisLink> {
  let commands = client
  if (commands === undefined) {
    const real = new RedisClient(redis.url, { enableOfflineQueue: false })
    await real.connect()
    commands = real
  }
  const link = createRedisLink({
    client: commands,
    timeoutMs: 200,
    probeIntervalMs: 60_000,
    timers: systemTimers,
  })
  links.push(link)
  return link
}

function sharedStore() {
  const { db, close } = openDatabase(':memory:')
  closers.push(close)
  return createSqliteUsageStore(db)
}

/** One replica: its own ledger, shared quota and flusher; the usage store is shared with the other replicas. */
async function replica(prefix: string, store: UsageStore, client?: RedisCommands) {
  const quotaOf = (keyHash: string) => (keyHash === FREE ? Number.POSITIVE_INFINITY : 1_000)
  const ledger = createQuotaLedger({
    dailyQuota: 1_000,
    overrides: new Map([[FREE, Infinity]]),
    defaultReserve: 100,
  })
  const clock = createFakeClock(NOW)
  const quota = createRedisQuota({
    link: await linkTo(client),
    ledger,
    quotaOf,
    defaultReserve: 100,
    hardCap: false,
    failMode: 'open',
    retryAfterSeconds: 1,
    prefix,
  })
  const flusher = createUsageFlusher({ ledger, store, clock, timers: clock, intervalMs: 60_000 })
  const storeErrors: unknown[] = []
  const view = createRedisUsageView({
    quota,
    ledger,
    store,
    flusher,
    quotaOf,
    onStoreError: (error) => storeErrors.push(error),
  })
  /** One request served to the end: reserve, then settle with the tokens it used. */
  const serve = async (keyHash: string, model: string, promptTokens: number, completionTokens: number) => {
    const admission = await quota.reserve({ keyHash, nowMs: NOW, promptTokens, maxTokens: completionTokens })
    if (!admission.ok) throw new Error('refused')
    quota.settle(admission.reservation, { model, promptTokens, completionTokens })
  }
  return { ledger, quota, flusher, view, serve, storeErrors }
}

/** Settlements reach Redis after the response (fire and forget): wait until none is outstanding. */
async function settled(view: { status(k: string, n: number): Promise<{ reserved: number }> }) {
  const deadline = Date.now() + 2_000
  while ((await view.status(KEY, NOW)).reserved > 0 && Date.now() < deadline) await Bun.sleep(5)
}

const summary = (
  rows: { model: string; promptTokens: number; completionTokens: number; requests: number }[],
) => rows.map((row) => [row.model, row.promptTokens + row.completionTokens, row.requests])

describe('usage view across replicas sharing Redis', () => {
  test('quota used and reserved are the shared counters; the breakdown joins flushed rows and local deltas', async () => {
    const prefix = `v${prefixCounter++}:`
    const store = sharedStore()
    const a = await replica(prefix, store)
    const b = await replica(prefix, store)
    for (let i = 0; i < 3; i++) await a.serve(KEY, 'm', 10, 20)
    await b.serve(KEY, 'n', 5, 5)
    await settled(b.view)
    // B served one request of 10 tokens, yet reports every replica's 100.
    expect(await b.view.status(KEY, NOW)).toEqual({
      day: DAY,
      quota: 1_000,
      used: 100,
      reserved: 0,
      remaining: 900,
    })
    expect(await a.view.status(KEY, NOW)).toEqual(await b.view.status(KEY, NOW))
    // A's requests join B's breakdown once A flushes them (within QUOTA_FLUSH_MS).
    expect(summary(await b.view.usage(KEY, DAY))).toEqual([['n', 10, 1]])
    await a.flusher.flush()
    expect(summary(await b.view.usage(KEY, DAY))).toEqual([
      ['m', 90, 3],
      ['n', 10, 1],
    ])
    await b.serve(KEY, 'm', 1, 1)
    expect(summary(await b.view.usage(KEY, DAY))).toEqual([
      ['m', 92, 4],
      ['n', 10, 1],
    ])
    // Flushing moves B's deltas into the store: nothing counted twice.
    await b.flusher.flush()
    expect(summary(await a.view.usage(KEY, DAY))).toEqual(summary(await b.view.usage(KEY, DAY)))
    expect(summary(await b.view.usage(KEY, DAY))).toEqual([
      ['m', 92, 4],
      ['n', 10, 1],
    ])
    // A reservation held on A shows on B.
    const held = await a.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 40 })
    expect(held.ok).toBe(true)
    expect(await b.view.status(KEY, NOW)).toMatchObject({ used: 102, reserved: 50, remaining: 848 })
    expect(await b.view.summary()).toMatchObject({ keys: 1, pendingDeltas: 0, consecutiveFailures: 0 })
  })

  test('a flush in flight during a read is counted exactly once', async () => {
    const prefix = `v${prefixCounter++}:`
    const sqlite = sharedStore()
    let release = () => {}
    const slow: UsageStore = {
      async addUsage(deltas, nowMs) {
        await new Promise<void>((resolve) => {
          release = resolve
        })
        await sqlite.addUsage(deltas, nowMs)
      },
      loadDay: (day) => sqlite.loadDay(day),
      query: (filter) => sqlite.query(filter),
    }
    const a = await replica(prefix, slow)
    await a.serve(KEY, 'm', 3, 4)
    const flushing = a.flusher.flush()
    await Bun.sleep(0)
    const read = a.view.usage(KEY, DAY)
    release()
    await flushing
    expect(summary(await read)).toEqual([['m', 7, 1]])
    expect(summary(await a.view.usage(KEY, DAY))).toEqual([['m', 7, 1]])
  })

  test('a key without a quota, or a day nobody reserved in Redis yet, reports what the store and ledger hold', async () => {
    const prefix = `v${prefixCounter++}:`
    const store = sharedStore()
    const a = await replica(prefix, store)
    const b = await replica(prefix, store)
    await a.serve(FREE, 'm', 10, 10)
    await a.flusher.flush()
    await b.serve(FREE, 'm', 1, 2)
    const status = await b.view.status(FREE, NOW)
    expect(status).toEqual({
      day: DAY,
      quota: Number.POSITIVE_INFINITY,
      used: 23,
      reserved: 0,
      remaining: Number.POSITIVE_INFINITY,
    })
    // Today's rows already in the store (written before Redis restarted empty), and no hash in Redis yet.
    await store.addUsage(
      [{ keyHash: KEY, day: DAY, model: 'old', promptTokens: 7, completionTokens: 0, requests: 1, cost: 0 }],
      NOW,
    )
    expect(await b.view.status(KEY, NOW)).toMatchObject({
      quota: 1_000,
      used: 7,
      reserved: 0,
      remaining: 993,
    })
  })

  test('Redis unreachable: local reservations and every known request; an unreadable store: the ledger', async () => {
    const prefix = `v${prefixCounter++}:`
    const store = sharedStore()
    const other = await replica(prefix, store)
    await other.serve(KEY, 'm', 50, 50)
    await other.flusher.flush()
    const down = await replica(prefix, store, deadRedis)
    // Fail open: the reservation is taken locally and shows as reserved; used comes from the store.
    const local = await down.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 10, maxTokens: 10 })
    expect(local.ok).toBe(true)
    expect(await down.view.status(KEY, NOW)).toMatchObject({ used: 100, reserved: 20, remaining: 880 })
    if (local.ok) down.quota.settle(local.reservation, { model: 'm', promptTokens: 10, completionTokens: 5 })
    expect(await down.view.status(KEY, NOW)).toMatchObject({ used: 115, reserved: 0, remaining: 885 })

    const broken: UsageStore = {
      addUsage: () => {},
      loadDay: () => [],
      query: () => Promise.reject(new Error('database is gone')),
    }
    const lonely = await replica(prefix, broken)
    await lonely.serve(KEY, 'z', 2, 2)
    expect(summary(await lonely.view.usage(KEY, DAY))).toEqual([['z', 4, 1]])
    expect(lonely.storeErrors).toHaveLength(1)
  })
})
