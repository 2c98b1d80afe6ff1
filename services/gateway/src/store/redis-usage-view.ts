/**
 * @module /v1/usage and /admin/status with replicas sharing Redis: used and reserved come from the key's shared
 * quota hash (what admission decides on: exact across replicas); the per-model breakdown is the usage store plus
 * this replica's unflushed deltas, so other replicas' latest requests join it within their QUOTA_FLUSH_MS.
 */
import { type QuotaLedger, type UsageRecord, utcDay } from '../core/quota.ts'
import type { UsageView } from '../core/usage-view.ts'
import type { RedisQuota } from './redis-quota.ts'
import type { UsageFlusher } from './usage-flusher.ts'
import type { UsageStore } from './usage-store.ts'

export interface RedisUsageViewOptions {
  quota: Pick<RedisQuota, 'read'>
  /** This replica's ledger: its unflushed deltas, and its own reservations while Redis is unreachable. */
  ledger: QuotaLedger
  store: UsageStore
  flusher: Pick<UsageFlusher, 'exclusive' | 'status'>
  quotaOf: (keyHash: string) => number
  /** The store could not be read: the breakdown falls back to what this replica's ledger holds. */
  onStoreError?: (error: unknown) => void
}

/** Adds pending deltas to the stored rows of the same model. */
function merge(stored: readonly UsageRecord[], pending: readonly UsageRecord[]): UsageRecord[] {
  const byModel = new Map(stored.map((row) => [row.model, { ...row }]))
  for (const delta of pending) {
    const row = byModel.get(delta.model)
    if (row === undefined) {
      byModel.set(delta.model, { ...delta })
      continue
    }
    row.promptTokens += delta.promptTokens
    row.completionTokens += delta.completionTokens
    row.requests += delta.requests
    row.cost += delta.cost
  }
  return [...byModel.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))
}

const tokensOf = (rows: readonly UsageRecord[]): number =>
  rows.reduce((total, row) => total + row.promptTokens + row.completionTokens, 0)

/**
 * @example
 * const view = createRedisUsageView({ quota: shared.quota, ledger, store: usageStore, flusher, quotaOf })
 * const { used, remaining } = await view.status(keyHash, clock.nowMs())
 */
export function createRedisUsageView(options: RedisUsageViewOptions): UsageView {
  const { quota: shared, ledger, store, flusher, quotaOf } = options

  const usage = async (keyHash: string, day: string): Promise<UsageRecord[]> => {
    try {
      // No flush in flight: a delta is either in the store or still in the ledger, never both or neither.
      return await flusher.exclusive(async () =>
        merge(await store.query({ day, keyHash }), ledger.unflushed(keyHash, day)),
      )
    } catch (error) {
      options.onStoreError?.(error)
      return ledger.usage(keyHash, day)
    }
  }

  return {
    async status(keyHash, nowMs) {
      const day = utcDay(nowMs)
      const quota = quotaOf(keyHash)
      // An unlimited key is never counted in Redis (there is nothing to share).
      const counted = Number.isFinite(quota)
        ? await shared.read(keyHash, day).catch(() => undefined)
        : undefined
      // Not in Redis (unlimited, no reservation yet today, or Redis unreachable): every request this replica or
      // a flushed one served, and the reservations this replica holds itself.
      const { used, reserved } = counted ?? {
        used: tokensOf(await usage(keyHash, day)),
        reserved: ledger.status(keyHash, nowMs).reserved,
      }
      return { day, quota, used, reserved, remaining: Math.max(0, quota - used - reserved) }
    },
    usage,
    summary: async () => ({ keys: ledger.size(), ...flusher.status() }),
  }
}
