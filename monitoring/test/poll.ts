/** @module Bounded polling for integration tests: retry a check until it passes or the deadline expires, then fail with its last reason. */

export interface PollOptions {
  timeoutMs: number
  intervalMs?: number
  /** Says what was being waited for, in the timeout error. */
  what: string
}

/**
 * Calls `check` until it returns a value other than undefined, or throws after `timeoutMs` with the last error
 * (or the last "not yet" reason) so a failing test says why it gave up.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
      lastError = undefined
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${reason}`)
    }
    await Bun.sleep(options.intervalMs ?? 100)
  }
}
