/**
 * @module What /v1/usage and /admin/status read: a key's quota status and per-model usage, wherever the quota
 * lives (this thread's ledger, the main thread's over the worker channel, or Redis plus the usage store).
 */
import type { QuotaLedger, QuotaStatus, UsageRecord } from './quota.ts'

/** The quota part of /admin/status: keys with a counter, and the usage flusher's state. */
export interface QuotaSummary {
  keys: number
  pendingDeltas: number
  lagMs: number
  consecutiveFailures: number
  failuresTotal: number
}

export interface UsageView {
  /** Quota, used and reserved tokens of the key's current UTC day. */
  status(keyHash: string, nowMs: number): Promise<QuotaStatus>
  /** The key's usage on `day`, one row per model. */
  usage(keyHash: string, day: string): Promise<UsageRecord[]>
  summary(): Promise<QuotaSummary>
}

/**
 * One process holds the only ledger (single process, or the main thread that owns it for its workers): exact.
 * @example
 * const view = createLedgerUsageView(ledger, () => flusher.status())
 */
export function createLedgerUsageView(
  ledger: QuotaLedger,
  flusherStatus: () => Omit<QuotaSummary, 'keys'>,
): UsageView {
  return {
    status: async (keyHash, nowMs) => ledger.status(keyHash, nowMs),
    usage: async (keyHash, day) => ledger.usage(keyHash, day),
    summary: async () => ({ keys: ledger.size(), ...flusherStatus() }),
  }
}
