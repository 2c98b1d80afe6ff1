import { describe, expect, test } from 'bun:test'
import { createSleeper, sleepUnlessAborted, untilAborted } from './abortable.ts'

describe('abortable waits', () => {
  test('sleepUnlessAborted: false after the delay, true on abort, immediate when already aborted', async () => {
    const controller = new AbortController()
    expect(await sleepUnlessAborted(1, controller.signal)).toBe(false)
    expect(await sleepUnlessAborted(0, controller.signal)).toBe(false)
    const pending = sleepUnlessAborted(60_000, controller.signal)
    controller.abort()
    expect(await pending).toBe(true)
    expect(await sleepUnlessAborted(60_000, controller.signal)).toBe(true)
  })

  test('untilAborted: true when the promise settles first, false when the signal aborts', async () => {
    const controller = new AbortController()
    expect(await untilAborted(Promise.resolve(), controller.signal)).toBe(true)
    const never = untilAborted(new Promise<void>(() => {}), controller.signal)
    controller.abort()
    expect(await never).toBe(false)
    expect(await untilAborted(Promise.resolve(), controller.signal)).toBe(false)
  })

  test('a sleeper reuses one listener across sleeps and wakes the current sleep on abort', async () => {
    const controller = new AbortController()
    const sleeper = createSleeper(controller.signal)
    expect(await sleeper.sleep(1)).toBe(false)
    expect(await sleeper.sleep(0)).toBe(false)
    const pending = sleeper.sleep(60_000)
    controller.abort()
    expect(await pending).toBe(true)
    expect(await sleeper.sleep(5)).toBe(true)
    sleeper.dispose()
  })
})
