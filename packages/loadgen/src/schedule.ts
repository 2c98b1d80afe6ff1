/** @module Open-loop arrival schedule: when each request SHOULD be sent, whatever the server is doing. */

export interface ScheduleOptions {
  /** Requests per second; arrivals are evenly spaced 1000/rate ms apart. */
  readonly ratePerS: number
  /** Stop scheduling arrivals at or after this offset from the start. */
  readonly durationMs?: number
  /** Stop after this many arrivals. */
  readonly maxRequests?: number
}

export interface Schedule {
  /** How many arrivals the schedule holds (finite: a duration or a count is required). */
  readonly total: number
  /** The intended send offset of arrival `index`, from the start of the run. */
  offsetMs(index: number): number
  /** How many arrivals are due at `elapsedMs` (arrivals 0 … n−1 have intended times ≤ elapsedMs). */
  dueBy(elapsedMs: number): number
}

/**
 * A fixed-rate schedule. Latency is measured from `offsetMs(i)`, not from when the client got round to sending, so a
 * slow server that delays sends still shows its queueing in the figures (no coordinated omission).
 * @throws Error when the rate is not positive or neither a duration nor a count bounds the run.
 */
export function createSchedule({ ratePerS, durationMs, maxRequests }: ScheduleOptions): Schedule {
  if (!(ratePerS > 0) || !Number.isFinite(ratePerS))
    throw new Error(`rate must be a positive number, got ${ratePerS}`)
  if (durationMs === undefined && maxRequests === undefined)
    throw new Error('a schedule needs a duration or a count')
  const interval = 1000 / ratePerS
  const byDuration =
    durationMs === undefined ? Number.POSITIVE_INFINITY : Math.ceil((durationMs * ratePerS) / 1000)
  const total = Math.max(0, Math.min(byDuration, maxRequests ?? Number.POSITIVE_INFINITY))
  return {
    total,
    offsetMs: (index) => index * interval,
    dueBy(elapsedMs) {
      if (elapsedMs < 0) return 0
      // A small epsilon keeps floating-point error from delaying an arrival that is due exactly now.
      return Math.min(total, Math.floor((elapsedMs + 1e-9) / interval) + 1)
    },
  }
}
