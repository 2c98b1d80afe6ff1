/** @module Tests for bounded polling: returns the first defined value, and on timeout says what it waited for and why. */
import { describe, expect, test } from 'bun:test'
import { pollUntil } from './poll.ts'

describe('pollUntil', () => {
  test('returns the first defined value', async () => {
    let calls = 0
    const value = await pollUntil(() => (++calls === 3 ? 'ready' : undefined), {
      timeoutMs: 5_000,
      intervalMs: 1,
      what: 'x',
    })
    expect(value).toBe('ready')
    expect(calls).toBe(3)
  })

  test('treats a throwing check as not ready yet and keeps polling', async () => {
    let calls = 0
    const value = await pollUntil(
      () => {
        calls++
        if (calls < 2) throw new Error('connection refused')
        return 42
      },
      { timeoutMs: 5_000, intervalMs: 1, what: 'x' },
    )
    expect(value).toBe(42)
  })

  test('gives up after the deadline naming what it waited for and the last error', async () => {
    const failing = pollUntil(
      () => {
        throw new Error('connection refused')
      },
      { timeoutMs: 0, what: 'the service' },
    )
    await expect(failing).rejects.toThrow('timed out after 0 ms waiting for the service: connection refused')
  })

  test('a check that never becomes ready times out without a reason', async () => {
    await expect(pollUntil(() => undefined, { timeoutMs: 0, what: 'nothing' })).rejects.toThrow(
      /waiting for nothing$/,
    )
  })
})
