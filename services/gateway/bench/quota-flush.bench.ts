/**
 * @module Quota flush benchmark: 100k keys' usage flushed from the ledger to SQLite (WAL, a real file) in one
 * flush (target ≤ 1 s): first as inserts, then as additive upserts onto existing rows.
 * Run: `bun run bench quota-flush`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock, systemTimers } from '../src/core/clock.ts'
import { createQuotaLedger } from '../src/core/quota.ts'
import { openDatabase } from '../src/store/db.ts'
import { createUsageFlusher } from '../src/store/usage-flusher.ts'
import { createSqliteUsageStore } from '../src/store/usage-store.ts'

const KEYS = 100_000
const ROUNDS = 5
const dir = mkdtempSync(join(tmpdir(), 'quota-flush-bench-'))
try {
  const database = openDatabase(join(dir, 'gateway.db'))
  const ledger = createQuotaLedger({ dailyQuota: Number.POSITIVE_INFINITY, defaultReserve: 256 })
  const flusher = createUsageFlusher({
    ledger,
    store: createSqliteUsageStore(database.db),
    clock: systemClock,
    timers: systemTimers,
    intervalMs: 10_000,
  })
  const keyHashes = Array.from({ length: KEYS }, (_, i) =>
    new Bun.CryptoHasher('sha256').update(`key-${i}`).digest('hex'),
  )
  const durations: number[] = []
  const cpuMs: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const nowMs = systemClock.nowMs()
    for (const keyHash of keyHashes) {
      const admission = ledger.reserve({ keyHash, nowMs, promptTokens: 100, maxTokens: 50 })
      if (admission.ok)
        ledger.settle(admission.reservation, { model: 'llama', promptTokens: 100, completionTokens: 42 })
    }
    const cpuStart = process.cpuUsage()
    const report = await flusher.flush()
    const cpu = process.cpuUsage(cpuStart)
    cpuMs.push((cpu.user + cpu.system) / 1000)
    if (!report.ok || report.rows !== KEYS) throw new Error(`flush failed: ${String(report.error)}`)
    durations.push(report.durationMs)
    console.log(
      `round ${round + 1} (${round === 0 ? 'insert' : 'upsert'}): ${KEYS} rows in ${report.durationMs.toFixed(0)} ms`,
    )
  }
  const check = database.sqlite
    .query('SELECT count(*) AS rows, sum(requests) AS requests FROM usage_daily')
    .get()
  const sorted = [...durations].sort((a, b) => a - b)
  const sortedCpu = [...cpuMs].sort((a, b) => a - b)
  console.log(`stored: ${JSON.stringify(check)}`)
  console.log(
    `quota flush of ${KEYS} keys: median ${sorted[Math.floor(ROUNDS / 2)]?.toFixed(0)} ms wall (max ${sorted.at(-1)?.toFixed(0)} ms), median ${sortedCpu[Math.floor(ROUNDS / 2)]?.toFixed(0)} ms CPU (target ≤ 1000 ms)`,
  )
  database.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
