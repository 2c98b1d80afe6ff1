/** @module Delay before a retry: exponential in the attempt, with full jitter so retries from many requests spread out. */

/** Attempt 1 waits up to base, attempt 2 up to 2·base, ... capped at `maxMs`. `random` is in [0, 1). */
export function retryDelayMs(attempt: number, baseMs: number, random: number, maxMs = 2_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(ceiling * random)
}
