import { describe, expect, test } from 'bun:test'
import { Scheduler } from './scheduler.ts'

const make = (overrides = {}) =>
  new Scheduler({ maxNumSeqs: 2, blockSize: 16, totalBlocks: 10, maxWaiting: 0, ...overrides })

describe('scheduler', () => {
  test('runs up to max-num-seqs and queues the rest first-come first-served', () => {
    const scheduler = make()
    expect(scheduler.submit({ id: 1, promptTokens: 10, outputTokens: 5 })).toBe('running')
    expect(scheduler.submit({ id: 2, promptTokens: 10, outputTokens: 5 })).toBe('running')
    expect(scheduler.submit({ id: 3, promptTokens: 10, outputTokens: 5 })).toBe('waiting')
    expect(scheduler.submit({ id: 4, promptTokens: 10, outputTokens: 5 })).toBe('waiting')
    expect([scheduler.running, scheduler.waiting]).toEqual([2, 2])
    expect(scheduler.remove(1)).toEqual([3])
    expect(scheduler.remove(2)).toEqual([4])
    expect([scheduler.running, scheduler.waiting]).toEqual([2, 0])
  })

  test('KV usage counts prompt blocks at admission and grows with generated tokens', () => {
    const scheduler = make()
    scheduler.submit({ id: 1, promptTokens: 16, outputTokens: 32 })
    expect(scheduler.kvUsage).toBeCloseTo(0.1)
    scheduler.progress(1, 1)
    expect(scheduler.kvUsage).toBeCloseTo(0.2)
    scheduler.progress(1, 32)
    expect(scheduler.kvUsage).toBeCloseTo(0.3)
    scheduler.progress(1, 1000)
    expect(scheduler.kvUsage).toBeCloseTo(0.3)
    scheduler.progress(99, 5)
    scheduler.remove(1)
    expect(scheduler.kvUsage).toBe(0)
  })

  test('admission waits for KV room, but an oversized request still runs alone', () => {
    const scheduler = make({ maxNumSeqs: 10 })
    expect(scheduler.submit({ id: 1, promptTokens: 100, outputTokens: 60 })).toBe('running')
    expect(scheduler.submit({ id: 2, promptTokens: 16, outputTokens: 0 })).toBe('waiting')
    expect(scheduler.remove(1)).toEqual([2])
    const lone = make({ maxNumSeqs: 10 })
    expect(lone.submit({ id: 1, promptTokens: 1000, outputTokens: 0 })).toBe('running')
    expect(lone.kvUsage).toBe(1)
  })

  test('removing a waiting head lets the next one in; a bounded queue rejects overflow', () => {
    const scheduler = make({ maxNumSeqs: 1, maxWaiting: 2 })
    scheduler.submit({ id: 1, promptTokens: 150, outputTokens: 0 })
    scheduler.remove(1)
    scheduler.submit({ id: 2, promptTokens: 10, outputTokens: 0 })
    expect(scheduler.submit({ id: 3, promptTokens: 10, outputTokens: 0 })).toBe('waiting')
    expect(scheduler.submit({ id: 4, promptTokens: 10, outputTokens: 0 })).toBe('waiting')
    expect(scheduler.submit({ id: 5, promptTokens: 10, outputTokens: 0 })).toBe('rejected')
    expect(scheduler.remove(4)).toEqual([])
    expect(scheduler.waiting).toBe(1)
    expect(scheduler.remove(404)).toEqual([])
  })

  test('a later request never overtakes a waiting one (no starvation of big requests)', () => {
    const scheduler = make({ maxNumSeqs: 5 })
    scheduler.submit({ id: 1, promptTokens: 100, outputTokens: 0 })
    expect(scheduler.submit({ id: 2, promptTokens: 100, outputTokens: 0 })).toBe('waiting')
    expect(scheduler.submit({ id: 3, promptTokens: 1, outputTokens: 0 })).toBe('waiting')
  })
})
