/** @module Waiting that gives up when the client leaves: every simulated delay goes through these. */

/** Resolves after `ms`; true when `signal` aborted first. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true)
  if (ms <= 0) return Promise.resolve(false)
  return new Promise<boolean>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(false)
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Resolves true when `promise` settles, false when `signal` aborts first. */
export function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise<boolean>((resolve) => {
    const onAbort = () => resolve(false)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    })
  })
}

export interface Sleeper {
  /** Resolves after `ms`; true when the signal aborted first (or had already). */
  sleep(ms: number): Promise<boolean>
  dispose(): void
}

/**
 * One abort listener for the many sleeps of a stream: adding and removing a listener per token cost more than
 * the rest of the token's work.
 */
export function createSleeper(signal: AbortSignal): Sleeper {
  let wake: (() => void) | undefined
  const onAbort = () => wake?.()
  signal.addEventListener('abort', onAbort, { once: true })
  return {
    sleep(ms) {
      if (signal.aborted) return Promise.resolve(true)
      if (ms <= 0) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined
          resolve(false)
        }, ms)
        wake = () => {
          clearTimeout(timer)
          wake = undefined
          resolve(true)
        }
      })
    },
    dispose() {
      signal.removeEventListener('abort', onAbort)
      wake = undefined
    },
  }
}
