/** @module Injected time: integer wall-clock readings and timers, real for the gateway and fake for tests. */

/** Integer time readings. Microseconds fit a safe integer until the year 2255, so both stay exact. */
export interface Clock {
  nowMs(): number
  nowUs(): number
}

export type TimerHandle = unknown

/** Timers behind an interface so queue timeouts and flush intervals can be driven by a fake clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** The process clock: wall time with sub-millisecond resolution from `performance`. */
export const systemClock: Clock = {
  nowMs: () => Math.floor(performance.timeOrigin + performance.now()),
  nowUs: () => Math.floor((performance.timeOrigin + performance.now()) * 1000),
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface FakeClock extends Clock, Timers {
  advanceMs(ms: number): void
  advanceUs(us: number): void
  /** Timers scheduled and not yet fired or cleared. */
  pendingTimers(): number
}

interface FakeTimer {
  id: number
  dueUs: number
  fn: () => void
}

/**
 * A clock that moves only when told to; timers fire, in due order, as `advance*` passes them.
 * @example
 * const clock = createFakeClock(Date.UTC(2026, 0, 1))
 * clock.setTimeout(() => fired.push(1), 50)
 * clock.advanceMs(50) // fires
 */
export function createFakeClock(startMs = 0): FakeClock {
  let nowUs = startMs * 1000
  let nextId = 1
  const timers = new Map<number, FakeTimer>()

  const advanceTo = (targetUs: number): void => {
    for (;;) {
      let due: FakeTimer | undefined
      for (const timer of timers.values()) {
        if (timer.dueUs <= targetUs && (due === undefined || timer.dueUs < due.dueUs)) due = timer
      }
      if (due === undefined) break
      timers.delete(due.id)
      nowUs = Math.max(nowUs, due.dueUs)
      due.fn()
    }
    nowUs = Math.max(nowUs, targetUs)
  }

  return {
    nowMs: () => Math.floor(nowUs / 1000),
    nowUs: () => nowUs,
    advanceMs: (ms) => advanceTo(nowUs + Math.round(ms * 1000)),
    advanceUs: (us) => advanceTo(nowUs + us),
    setTimeout(fn, ms) {
      const id = nextId++
      timers.set(id, { id, dueUs: nowUs + Math.max(0, Math.round(ms * 1000)), fn })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    pendingTimers: () => timers.size,
  }
}
