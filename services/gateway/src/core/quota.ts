/**
 * @module The daily token quota ledger: per API-key digest and UTC day, used + reserved tokens, exact under
 * any interleaving of reserve/settle/release; plus usage aggregates per (key, day, model) and the deltas
 * still to be flushed to the usage store. Pure: time is an input, storage is someone else's.
 */
const DAY_MS = 86_400_000
const KEY_HASH = /^[0-9a-f]{64}$/

let cachedDayStart = 0
let cachedDay = '1970-01-01'

/** 'YYYY-MM-DD' of the UTC day containing `nowMs` (memoised: it is asked on every request, and changes daily). */
export function utcDay(nowMs: number): string {
  if (nowMs < cachedDayStart || nowMs >= cachedDayStart + DAY_MS) {
    cachedDayStart = nowMs - (((nowMs % DAY_MS) + DAY_MS) % DAY_MS)
    cachedDay = new Date(cachedDayStart).toISOString().slice(0, 10)
  }
  return cachedDay
}
/** Time until the next UTC midnight, when every daily quota resets. */
export const msUntilUtcMidnight = (nowMs: number): number => DAY_MS - (((nowMs % DAY_MS) + DAY_MS) % DAY_MS)

export interface ModelPrice {
  /** USD per prompt token. */
  prompt: number
  /** USD per completion token. */
  completion: number
}

export type PriceTable = Readonly<Record<string, ModelPrice>>

export interface TokenCount {
  promptTokens: number
  completionTokens: number
}

/** Cost of one request; a model without a price costs 0 (self-hosted models are often free to callers). */
export function usageCost(prices: PriceTable, model: string, usage: TokenCount): number {
  const price = Object.hasOwn(prices, model) ? prices[model] : undefined
  if (price === undefined) return 0
  return usage.promptTokens * price.prompt + usage.completionTokens * price.completion
}

export interface QuotaLedgerOptions {
  /** Tokens per key per UTC day (DAILY_TOKEN_QUOTA); `Infinity` for none. */
  dailyQuota: number
  /** Per-key quotas by SHA-256 hex digest. */
  overrides?: ReadonlyMap<string, number>
  /** Completion tokens reserved when a request has no max_tokens (QUOTA_DEFAULT_RESERVE). */
  defaultReserve: number
  /** QUOTA_HARD_CAP: admit only what can complete inside the quota and report the completion budget. */
  hardCap?: boolean
  prices?: PriceTable
}

export interface ReserveRequest {
  keyHash: string
  nowMs: number
  /** Prompt token estimate. Under hard cap it must not undercount, or the real prompt can overshoot. */
  promptTokens: number
  maxTokens?: number | undefined
}

/** Returned on admission; hand it back to `settle` or `release` exactly once (repeats are ignored). */
export interface Reservation {
  readonly keyHash: string
  readonly day: string
  /** Tokens held against the quota until settlement. */
  readonly granted: number
}

export type ReserveResult =
  | {
      ok: true
      reservation: Reservation
      /** Hard cap only: the `max_tokens` to send upstream, at most what the reservation covers. */
      completionBudget: number | undefined
    }
  | { ok: false; quota: number; used: number; reserved: number; retryAfterMs: number }

export interface QuotaStatus {
  day: string
  quota: number
  used: number
  reserved: number
  remaining: number
}

/** Usage of one key on one day with one model; both the running totals and the unflushed deltas. */
export interface UsageRecord {
  keyHash: string
  day: string
  model: string
  promptTokens: number
  completionTokens: number
  requests: number
  cost: number
}

export interface ActualUsage extends TokenCount {
  model: string
}

interface Counter {
  day: string
  used: number
  reserved: number
}

/** A count from the outside world (upstream usage, estimates): anything odd becomes a non-negative integer. */
export const tokenCount = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0

const recordId = (row: UsageRecord): string => `${row.day}|${row.keyHash}|${row.model}`

function addInto(records: Map<string, UsageRecord>, id: string, row: UsageRecord): void {
  const record = records.get(id)
  if (record === undefined) {
    records.set(id, { ...row })
    return
  }
  record.promptTokens += row.promptTokens
  record.completionTokens += row.completionTokens
  record.requests += row.requests
  record.cost += row.cost
}

export interface QuotaLedger {
  reserve(request: ReserveRequest): ReserveResult
  /** Charges the real usage (also of an aborted stream: what was generated) and frees the reservation. */
  settle(reservation: Reservation, usage: ActualUsage): UsageRecord | undefined
  /**
   * Charges usage admitted elsewhere (a reservation held in a shared store such as Redis): counted towards the
   * key's local day, its totals and the deltas to flush, exactly like a settlement.
   */
  record(keyHash: string, day: string, usage: ActualUsage): UsageRecord
  /** Frees a reservation without charging (the request failed before using the model). */
  release(reservation: Reservation): void
  status(keyHash: string, nowMs: number): QuotaStatus
  /** One key's usage on `day`, per model. Memory holds the days not yet pruned; older ones are in the store. */
  usage(keyHash: string, day: string): UsageRecord[]
  /** Every key's usage on `day` (for /admin/usage), with the same reach as `usage`. */
  usageOfDay(day: string): UsageRecord[]
  /** One key's deltas on `day` not yet taken by a flush: what the usage store does not have yet. */
  unflushed(keyHash: string, day: string): UsageRecord[]
  /** Seeds totals and today's counters from the store at start-up; adds nothing to the deltas. */
  restore(rows: readonly UsageRecord[], nowMs: number): void
  /** Removes and returns every unflushed delta. */
  takeDeltas(): UsageRecord[]
  /** Puts deltas back after a failed flush; they merge with anything recorded meanwhile. */
  returnDeltas(deltas: readonly UsageRecord[]): void
  pendingDeltas(): number
  /** Forgets counters and totals of days before `day` (their deltas stay until flushed). */
  pruneBefore(day: string): void
  /** Keys with a counter, for /admin/status. */
  size(): number
}

/**
 * @example
 * const ledger = createQuotaLedger({ dailyQuota: 1_000_000, defaultReserve: 1024 })
 * const admission = ledger.reserve({ keyHash, nowMs: clock.nowMs(), promptTokens: 50, maxTokens: body.max_tokens })
 * if (admission.ok) ledger.settle(admission.reservation, { model, promptTokens: 48, completionTokens: 200 })
 */
export function createQuotaLedger(options: QuotaLedgerOptions): QuotaLedger {
  const {
    dailyQuota,
    overrides = new Map<string, number>(),
    defaultReserve,
    hardCap = false,
    prices = {},
  } = options
  if (!(dailyQuota >= 0)) throw new RangeError(`daily quota must be at least 0, got ${dailyQuota}`)
  if (!Number.isSafeInteger(defaultReserve) || defaultReserve < 1) {
    throw new RangeError(`default reserve must be a positive integer, got ${defaultReserve}`)
  }
  const counters = new Map<string, Counter>()
  // Totals grouped by key so that one caller's /v1/usage never scans every key.
  const totals = new Map<string, Map<string, UsageRecord>>()
  let deltas = new Map<string, UsageRecord>()
  const open = new WeakSet<Reservation>()

  const quotaOf = (keyHash: string): number => overrides.get(keyHash) ?? dailyQuota
  const checkHash = (keyHash: string): void => {
    if (!KEY_HASH.test(keyHash))
      throw new TypeError('quota keys must be SHA-256 hex digests, never raw API keys')
  }
  const counterFor = (keyHash: string, day: string): Counter => {
    const counter = counters.get(keyHash)
    if (counter !== undefined && counter.day >= day) return counter
    // A new UTC day starts from zero; reservations of the old day settle into that day's usage only.
    const fresh = { day, used: 0, reserved: 0 }
    counters.set(keyHash, fresh)
    return fresh
  }
  const addTotal = (row: UsageRecord): void => {
    let perKey = totals.get(row.keyHash)
    if (perKey === undefined) {
      perKey = new Map()
      totals.set(row.keyHash, perKey)
    }
    addInto(perKey, recordId(row), row)
  }
  const close = (reservation: Reservation): Counter | undefined => {
    if (!open.delete(reservation)) return undefined
    const counter = counters.get(reservation.keyHash)
    if (counter === undefined || counter.day !== reservation.day) return undefined
    counter.reserved -= reservation.granted
    return counter
  }

  const charge = (
    keyHash: string,
    day: string,
    usage: ActualUsage,
    counter: Counter | undefined,
  ): UsageRecord => {
    const promptTokens = tokenCount(usage.promptTokens)
    const completionTokens = tokenCount(usage.completionTokens)
    if (counter !== undefined) counter.used += promptTokens + completionTokens
    const record: UsageRecord = {
      keyHash,
      day,
      model: usage.model,
      promptTokens,
      completionTokens,
      requests: 1,
      cost: usageCost(prices, usage.model, { promptTokens, completionTokens }),
    }
    addTotal(record)
    addInto(deltas, recordId(record), record)
    return record
  }

  return {
    reserve({ keyHash, nowMs, promptTokens, maxTokens }) {
      checkHash(keyHash)
      const day = utcDay(nowMs)
      const counter = counterFor(keyHash, day)
      const quota = quotaOf(keyHash)
      const remaining = quota - counter.used - counter.reserved
      const prompt = tokenCount(promptTokens)
      // Admitted while anything is left; hard cap also needs room for the prompt and one completion token.
      if (remaining <= 0 || (hardCap && remaining <= prompt)) {
        return {
          ok: false,
          quota,
          used: counter.used,
          reserved: counter.reserved,
          retryAfterMs: msUntilUtcMidnight(nowMs),
        }
      }
      const completion = maxTokens === undefined ? defaultReserve : tokenCount(maxTokens)
      const granted = Math.min(prompt + completion, remaining)
      counter.reserved += granted
      const reservation: Reservation = { keyHash, day, granted }
      open.add(reservation)
      return { ok: true, reservation, completionBudget: hardCap ? granted - prompt : undefined }
    },
    settle(reservation, usage) {
      if (!open.has(reservation)) return undefined
      const counter = close(reservation)
      return charge(reservation.keyHash, reservation.day, usage, counter)
    },
    record(keyHash, day, usage) {
      checkHash(keyHash)
      const existing = counters.get(keyHash)
      // Usage of a day already past for this key's counter counts in the totals only.
      const counter = existing !== undefined && existing.day > day ? undefined : counterFor(keyHash, day)
      return charge(keyHash, day, usage, counter)
    },
    release(reservation) {
      close(reservation)
    },
    status(keyHash, nowMs) {
      const day = utcDay(nowMs)
      const counter = counters.get(keyHash)
      const current = counter?.day === day ? counter : { used: 0, reserved: 0 }
      const quota = quotaOf(keyHash)
      return {
        day,
        quota,
        used: current.used,
        reserved: current.reserved,
        remaining: Math.max(0, quota - current.used - current.reserved),
      }
    },
    usage(keyHash, day) {
      return [...(totals.get(keyHash)?.values() ?? [])].filter((r) => r.day === day).map((r) => ({ ...r }))
    },
    usageOfDay(day) {
      const rows: UsageRecord[] = []
      for (const perKey of totals.values())
        for (const r of perKey.values()) if (r.day === day) rows.push({ ...r })
      return rows
    },
    unflushed(keyHash, day) {
      // Every delta also went into the key's totals, so looking them up by the key's records avoids a full scan.
      const rows: UsageRecord[] = []
      for (const [id, record] of totals.get(keyHash) ?? []) {
        const delta = record.day === day ? deltas.get(id) : undefined
        if (delta !== undefined) rows.push({ ...delta })
      }
      return rows
    },
    restore(rows, nowMs) {
      const today = utcDay(nowMs)
      for (const row of rows) {
        checkHash(row.keyHash)
        addTotal(row)
        if (row.day === today) counterFor(row.keyHash, today).used += row.promptTokens + row.completionTokens
      }
    },
    takeDeltas() {
      const taken = [...deltas.values()]
      deltas = new Map()
      return taken
    },
    returnDeltas(returned) {
      for (const row of returned) addInto(deltas, recordId(row), row)
    },
    pendingDeltas: () => deltas.size,
    pruneBefore(day) {
      for (const [keyHash, counter] of counters)
        if (counter.day < day && counter.reserved <= 0) counters.delete(keyHash)
      for (const [keyHash, perKey] of totals) {
        for (const [id, record] of perKey) if (record.day < day) perKey.delete(id)
        if (perKey.size === 0) totals.delete(keyHash)
      }
    },
    size: () => counters.size,
  }
}
