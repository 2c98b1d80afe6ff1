/**
 * @module Moves usage from the in-memory ledger to the usage store: every interval, and once more on
 * shutdown. A failed flush puts its deltas back in the ledger, so nothing is dropped; the next one retries.
 */
import type { Clock, TimerHandle, Timers } from '../core/clock.ts'
import { type QuotaLedger, utcDay } from '../core/quota.ts'
import type { UsageStore } from './usage-store.ts'

export interface FlushReport {
  ok: boolean
  /** Usage rows written (or, on failure, the rows kept for the next try). */
  rows: number
  durationMs: number
  error?: unknown
}

export interface FlusherStatus {
  pendingDeltas: number
  /** Time since the last successful flush (or since start): "flush lag" for /admin/status. */
  lagMs: number
  consecutiveFailures: number
  failuresTotal: number
}

export interface UsageFlusher {
  /** Flushes now; concurrent calls run one after another, never overlapping. */
  flush(): Promise<FlushReport>
  /**
   * Runs `work` while no flush is writing, so that what it reads from the store and the ledger's unflushed deltas
   * neither overlap nor miss a piece in flight; flushes asked for meanwhile wait for it.
   */
  exclusive<T>(work: () => T | Promise<T>): Promise<T>
  /** Schedules a flush every interval (QUOTA_FLUSH_MS). */
  start(): void
  /** Stops the schedule and runs the final flush (call on SIGTERM, after requests have drained). */
  stop(): Promise<FlushReport>
  status(): FlusherStatus
}

export interface UsageFlusherOptions {
  ledger: QuotaLedger
  store: UsageStore
  clock: Clock
  timers: Timers
  intervalMs: number
  /** Hook for metrics and logs: called after every flush that had something to write or failed. */
  onFlush?: (report: FlushReport) => void
  /**
   * Rows per store write (default 5000). bun:sqlite writes synchronously, so a 100k-row flush in one piece
   * would stall request handling for its whole duration; between pieces the event loop runs.
   */
  chunkRows?: number
}

/** Lets queued I/O and timers run between two synchronous store writes. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * @example
 * const flusher = createUsageFlusher({ ledger, store, clock: systemClock, timers: systemTimers, intervalMs: 10_000,
 *   onFlush: (r) => metrics.observeFlush(r) })
 * flusher.start()
 */
export function createUsageFlusher(options: UsageFlusherOptions): UsageFlusher {
  const { ledger, store, clock, timers, intervalMs, onFlush, chunkRows = 5000 } = options
  let timer: TimerHandle | undefined
  let running = false
  let lastSuccessMs = clock.nowMs()
  let consecutiveFailures = 0
  let failuresTotal = 0
  // Flushes and exclusive reads run one after another on this chain.
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => T | Promise<T>): Promise<T> => {
    const run = chain.then(work, work)
    chain = run.catch(() => undefined)
    return run
  }

  const flushOnce = async (): Promise<FlushReport> => {
    const startUs = clock.nowUs()
    const deltas = ledger.takeDeltas()
    let written = 0
    let report: FlushReport
    try {
      // Each piece is all-or-nothing in the store; on failure only the pieces not yet written go back.
      while (written < deltas.length) {
        if (written > 0) await yieldToEventLoop()
        const piece = deltas.slice(written, written + chunkRows)
        await store.addUsage(piece, clock.nowMs())
        written += piece.length
      }
      lastSuccessMs = clock.nowMs()
      consecutiveFailures = 0
      // Past days now live in the store; memory keeps only today.
      ledger.pruneBefore(utcDay(lastSuccessMs))
      report = { ok: true, rows: deltas.length, durationMs: (clock.nowUs() - startUs) / 1000 }
    } catch (error) {
      ledger.returnDeltas(deltas.slice(written))
      consecutiveFailures++
      failuresTotal++
      report = {
        ok: false,
        rows: deltas.length - written,
        durationMs: (clock.nowUs() - startUs) / 1000,
        error,
      }
    }
    if (report.rows > 0 || !report.ok) onFlush?.(report)
    return report
  }

  const flush = (): Promise<FlushReport> => serial(flushOnce)

  const schedule = (): void => {
    timer = timers.setTimeout(() => {
      void flush().finally(() => {
        if (running) schedule()
      })
    }, intervalMs)
  }

  return {
    flush,
    exclusive: serial,
    start() {
      if (running) return
      running = true
      schedule()
    },
    stop() {
      running = false
      if (timer !== undefined) timers.clearTimeout(timer)
      timer = undefined
      return flush()
    },
    status: () => ({
      pendingDeltas: ledger.pendingDeltas(),
      lagMs: Math.max(0, clock.nowMs() - lastSuccessMs),
      consecutiveFailures,
      failuresTotal,
    }),
  }
}
