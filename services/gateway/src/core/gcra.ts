/**
 * @module GCRA (generic cell rate algorithm) as pure functions on integer microseconds, with weighted cells
 * for token limits and an after-the-fact adjustment for when the real token count is known.
 */

/**
 * A limit: `limit` units per `periodUs`, up to `burst` units at once. Built by `perSecond`/`perMinute`;
 * a zero or negative rate is refused at construction, never at request time.
 */
export interface GcraLimit {
  /** Units replenished per period (what `x-ratelimit-limit-*` reports); may be fractional. */
  readonly limit: number
  readonly periodUs: number
  /** Units that may arrive at once on a rested key. */
  readonly burst: number
  /**
   * T, the time one unit occupies: ceil(period/limit) whole microseconds. Rounding up keeps the limit
   * conservative (at most 1 µs per unit slow, under 1% at 10k units/s) and makes every weight an exact
   * multiple, so `burst` cells always fit at one instant whatever their split.
   */
  readonly emissionUs: number
  /**
   * Burst capacity in time, T·burst. A rested key has TAT ≤ now; a cell of n units is admitted while
   * max(TAT, now) + n·T − capacity ≤ now. For one unit this is the textbook `TAT − τ ≤ now` with
   * τ = T·(burst − 1): the first cell of a burst needs no tolerance, the other burst − 1 do.
   */
  readonly capacityUs: number
}

const US_PER_SECOND = 1_000_000

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer, got ${value}`)
}

/** `limit` units per `periodUs` microseconds, bursting to `burst` (default: one period's worth). */
export function createLimit(limit: number, periodUs: number, burst = limit): GcraLimit {
  // Rates above one unit per microsecond cannot be represented; they are refused rather than rounded.
  // A fractional limit is a slow rate (RATE_LIMIT_RPS=0.5 is one request per 2 s); burst stays whole cells.
  if (!Number.isFinite(limit) || limit <= 0)
    throw new RangeError(`limit must be a positive number, got ${limit}`)
  checkPositiveInt('period', periodUs)
  checkPositiveInt('burst', burst)
  if (limit > periodUs)
    throw new RangeError(`limit ${limit} per ${periodUs} µs is above one unit per microsecond`)
  const emissionUs = Math.ceil(periodUs / limit)
  return { limit, periodUs, burst, emissionUs, capacityUs: emissionUs * burst }
}

export const perSecond = (limit: number, burst = limit): GcraLimit => createLimit(limit, US_PER_SECOND, burst)
export const perMinute = (limit: number, burst = limit): GcraLimit =>
  createLimit(limit, 60 * US_PER_SECOND, burst)

/** Time a cell of `units` occupies. */
export const weightUs = (limit: GcraLimit, units: number): number => units * limit.emissionUs

interface DecisionBase {
  readonly limit: number
  /** Unit cells that would still be admitted now, after this decision. */
  readonly remaining: number
  /** Time until the key is fully rested again (`x-ratelimit-reset-*`). */
  readonly resetAfterUs: number
}

export interface GcraAllow extends DecisionBase {
  readonly ok: true
  /** The theoretical arrival time to store. */
  readonly tat: number
}

export interface GcraDeny extends DecisionBase {
  readonly ok: false
  /** Earliest wait after which the same request would be admitted (`Retry-After`). */
  readonly retryAfterUs: number
  /** The cell weighs more than the whole burst: no wait will ever admit it. */
  readonly tooLarge: boolean
  /** The stored TAT, unchanged. */
  readonly tat: number
}

export type GcraDecision = GcraAllow | GcraDeny

function remainingUnits(limit: GcraLimit, tat: number, nowUs: number): number {
  const freeUs = nowUs + limit.capacityUs - Math.max(tat, nowUs)
  if (freeUs <= 0) return 0
  return Math.min(limit.burst, Math.floor(freeUs / limit.emissionUs))
}

/**
 * Tests a cell of `cost` units arriving at `nowUs` against the stored TAT (undefined for an unseen key).
 * Pure: the caller stores `decision.tat`. A cost of 0 only reads the state (for headers).
 */
export function gcraTest(
  limit: GcraLimit,
  stored: number | undefined,
  nowUs: number,
  cost = 1,
): GcraDecision {
  const tat = stored === undefined ? nowUs : stored
  // Whole units only, never negative: a NaN or negative cost must not mint capacity or poison the state.
  const units = cost > 0 ? Math.ceil(cost) : 0
  const next = Math.max(tat, nowUs) + weightUs(limit, units)
  const allowAt = next - limit.capacityUs
  if (allowAt <= nowUs) {
    return {
      ok: true,
      tat: next,
      limit: limit.limit,
      remaining: remainingUnits(limit, next, nowUs),
      resetAfterUs: Math.max(0, next - nowUs),
    }
  }
  return {
    ok: false,
    tat,
    limit: limit.limit,
    remaining: remainingUnits(limit, tat, nowUs),
    resetAfterUs: Math.max(0, tat - nowUs),
    retryAfterUs: allowAt - nowUs,
    tooLarge: units > limit.burst,
  }
}

/**
 * Corrects a cell admitted on an estimate once the real weight is known: `delta` units more (positive) or
 * fewer (negative, a refund). A large overrun pushes the TAT past `now + capacity`: the key is then in debt
 * and every request is denied until the debt has been replenished. Refunds never go below `now` because a
 * TAT in the past already means "fully rested".
 */
export function gcraAdjust(
  limit: GcraLimit,
  stored: number | undefined,
  nowUs: number,
  delta: number,
): number {
  const tat = Math.max(stored ?? nowUs, nowUs)
  if (!Number.isFinite(delta)) return tat
  // Charges round up and refunds round down, so corrections never give away capacity.
  if (delta >= 0) return tat + weightUs(limit, Math.ceil(delta))
  return Math.max(nowUs, tat - weightUs(limit, Math.floor(-delta)))
}

/** True when the stored state carries nothing: a fresh key would be treated identically, so it can be dropped. */
export const isRested = (stored: number, nowUs: number): boolean => stored <= nowUs
