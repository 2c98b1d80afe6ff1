import { describe, expect, test } from 'bun:test'
import { createLifecycle } from './lifecycle.ts'

describe('lifecycle', () => {
  test('counts in-flight work and ends each piece once', () => {
    const lifecycle = createLifecycle()
    const endA = lifecycle.begin()
    const endB = lifecycle.begin()
    expect(lifecycle.inFlight).toBe(2)
    endA()
    endA()
    expect(lifecycle.inFlight).toBe(1)
    endB()
    expect(lifecycle.inFlight).toBe(0)
  })

  test('waitIdle resolves when the last request ends, or false at the timeout', async () => {
    const lifecycle = createLifecycle()
    expect(await lifecycle.waitIdle(10)).toBe(true)
    const end = lifecycle.begin()
    lifecycle.startDraining()
    expect(lifecycle.draining).toBe(true)
    const waiting = lifecycle.waitIdle(5_000)
    end()
    expect(await waiting).toBe(true)
    lifecycle.begin()
    expect(await lifecycle.waitIdle(5)).toBe(false)
  })
})
