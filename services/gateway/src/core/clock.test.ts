import { describe, expect, test } from 'bun:test'
import { createFakeClock, systemClock, systemTimers } from './clock.ts'

describe('fake clock', () => {
  test('moves only when advanced and fires due timers in time order', () => {
    const clock = createFakeClock(5000)
    const fired: string[] = []
    clock.setTimeout(() => fired.push(`b@${clock.nowMs()}`), 20)
    clock.setTimeout(() => fired.push(`a@${clock.nowMs()}`), 10)
    const cancelled = clock.setTimeout(() => fired.push('never'), 15)
    clock.clearTimeout(cancelled)
    expect(clock.nowUs()).toBe(5_000_000)
    clock.advanceMs(15)
    expect(fired).toEqual(['a@5010'])
    clock.advanceUs(5000)
    expect(fired).toEqual(['a@5010', 'b@5020'])
    expect(clock.nowMs()).toBe(5020)
    expect(clock.pendingTimers()).toBe(0)
  })

  test('a timer scheduled by a firing timer fires within the same advance when due', () => {
    const clock = createFakeClock()
    const fired: number[] = []
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.nowMs()), 5), 5)
    clock.advanceMs(10)
    expect(fired).toEqual([10])
  })
})

describe('system clock', () => {
  test('reads integer wall time in ms and µs that agree', () => {
    const ms = systemClock.nowMs()
    const us = systemClock.nowUs()
    expect(Number.isSafeInteger(ms) && Number.isSafeInteger(us)).toBe(true)
    expect(Math.abs(us / 1000 - ms)).toBeLessThan(1000)
    expect(Math.abs(ms - Date.now())).toBeLessThan(1000)
  })

  test('system timers fire and can be cleared', async () => {
    const fired: string[] = []
    const cleared = systemTimers.setTimeout(() => fired.push('cleared'), 0)
    systemTimers.clearTimeout(cleared)
    await new Promise<void>((resolve) => systemTimers.setTimeout(resolve, 0))
    expect(fired).toEqual([])
  })
})
