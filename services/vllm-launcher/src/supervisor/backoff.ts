/** @module Restart delays and the restart cap: pure, fed the attempt number, the time and a random draw. */

export interface BackoffPolicy {
  readonly initialMs: number
  readonly maxMs: number
  readonly multiplier: number
  /** Fraction of the delay that is randomised (0.2 → ±20 %), so instances that died together do not restart in lockstep. */
  readonly jitter: number
}

/**
 * Delay before restart number `attempt` (0 for the first): initial·multiplier^attempt, capped at maxMs, then
 * spread by ±jitter using `random` in [0, 1). Never above maxMs, never negative.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt))
  const spread = 1 + policy.jitter * (2 * random - 1)
  return Math.round(Math.max(0, Math.min(policy.maxMs, base * spread)))
}

/** Restart times still inside the window ending at `now`. */
export const recentRestarts = (times: readonly number[], now: number, windowMs: number): number[] =>
  times.filter((time) => now - time < windowMs)
