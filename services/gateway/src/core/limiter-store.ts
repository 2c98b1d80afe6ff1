/**
 * @module Where GCRA state lives. The algorithm talks to a `LimiterStore` by operation, not by shared memory,
 * so a Redis store can run the same decision in a server-side script; this file holds the in-memory store.
 */
import { type GcraDecision, type GcraLimit, gcraAdjust, gcraTest, isRested } from './gcra.ts'

type MaybePromise<T> = T | Promise<T>

/**
 * One atomic test-and-update per call: concurrent callers on one key can never both spend the same slot.
 * Keys should carry their namespace (`ip:…`, `rpm:…`, `tpm:…`): one key, one limit.
 */
export interface LimiterStore {
  /** Tests a cell of `cost` units (default 1) and, if admitted, stores the new TAT. */
  take(key: string, limit: GcraLimit, nowUs: number, cost?: number): MaybePromise<GcraDecision>
  /** Applies a late correction (real token count minus estimate); see `gcraAdjust`. */
  adjust(key: string, limit: GcraLimit, nowUs: number, delta: number): MaybePromise<void>
  /** Entries held, for /admin/status. */
  size(): MaybePromise<number>
  /** Drops every entry whose state has expired; returns how many. Call it from an interval. */
  evictExpired(nowUs: number): MaybePromise<number>
}

export interface MemoryLimiterStoreOptions {
  /**
   * Entries examined for expiry on each `take`. Above 1 the sweep outruns insertion, so the map holds
   * roughly the live entries plus one sweep's worth, however many distinct keys arrive.
   */
  sweepPerTake?: number
}

export interface MemoryLimiterStore extends LimiterStore {
  take(key: string, limit: GcraLimit, nowUs: number, cost?: number): GcraDecision
  adjust(key: string, limit: GcraLimit, nowUs: number, delta: number): void
  size(): number
  evictExpired(nowUs: number): number
}

/**
 * In-process store: a Map from key to TAT. An entry whose TAT ≤ now is indistinguishable from an absent one,
 * so it is dropped, both by an incremental sweep on every `take` and by `evictExpired`.
 * @example
 * const store = createMemoryLimiterStore()
 * const decision = store.take(`ip:${ip}`, perSecond(10, 20), clock.nowUs())
 */
export function createMemoryLimiterStore(options: MemoryLimiterStoreOptions = {}): MemoryLimiterStore {
  const sweepPerTake = options.sweepPerTake ?? 2
  const tats = new Map<string, number>()
  // A Map iterator stays valid while entries are deleted and added, so the sweep resumes where it stopped.
  let cursor = tats.entries()

  const sweep = (nowUs: number, budget: number): void => {
    for (let i = 0; i < budget; i++) {
      const step = cursor.next()
      if (step.done) {
        cursor = tats.entries()
        return
      }
      const [key, tat] = step.value
      if (isRested(tat, nowUs)) tats.delete(key)
    }
  }

  return {
    take(key, limit, nowUs, cost = 1) {
      sweep(nowUs, sweepPerTake)
      const decision = gcraTest(limit, tats.get(key), nowUs, cost)
      if (decision.ok) tats.set(key, decision.tat)
      return decision
    },
    adjust(key, limit, nowUs, delta) {
      const tat = gcraAdjust(limit, tats.get(key), nowUs, delta)
      if (isRested(tat, nowUs)) tats.delete(key)
      else tats.set(key, tat)
    },
    size: () => tats.size,
    evictExpired(nowUs) {
      let evicted = 0
      for (const [key, tat] of tats) {
        if (isRested(tat, nowUs)) {
          tats.delete(key)
          evicted++
        }
      }
      cursor = tats.entries()
      return evicted
    },
  }
}
