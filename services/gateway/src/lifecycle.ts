/** @module Drain state: how many requests are in flight and whether the gateway still takes new ones. */

export interface Lifecycle {
  readonly draining: boolean
  readonly inFlight: number
  /** Counts a request (or an open stream) until `end` is called once. */
  begin(): () => void
  startDraining(): void
  /** Resolves true when nothing is in flight, false when `timeoutMs` passed first. */
  waitIdle(timeoutMs: number): Promise<boolean>
}

export function createLifecycle(): Lifecycle {
  let draining = false
  let inFlight = 0
  let idleWaiters: (() => void)[] = []

  const end = () => {
    inFlight--
    if (inFlight === 0) {
      for (const wake of idleWaiters) wake()
      idleWaiters = []
    }
  }

  return {
    get draining() {
      return draining
    },
    get inFlight() {
      return inFlight
    },
    begin() {
      inFlight++
      let ended = false
      return () => {
        if (ended) return
        ended = true
        end()
      }
    },
    startDraining() {
      draining = true
    },
    waitIdle(timeoutMs) {
      if (inFlight === 0) return Promise.resolve(true)
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs)
        idleWaiters.push(() => {
          clearTimeout(timer)
          resolve(true)
        })
      })
    },
  }
}
