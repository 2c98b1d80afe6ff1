import { describe, expect, test } from 'bun:test'
import { createSchedule } from './schedule.ts'

describe('createSchedule', () => {
  test('spaces arrivals evenly at the rate and bounds them by duration', () => {
    const schedule = createSchedule({ ratePerS: 500, durationMs: 1000 })
    expect(schedule.total).toBe(500)
    expect(schedule.offsetMs(0)).toBe(0)
    expect(schedule.offsetMs(1)).toBe(2)
    expect(schedule.offsetMs(499)).toBe(998)
  })

  test('dueBy counts the arrivals whose intended time has passed, including one due exactly now', () => {
    const schedule = createSchedule({ ratePerS: 1000, durationMs: 10 })
    expect(schedule.dueBy(-1)).toBe(0)
    expect(schedule.dueBy(0)).toBe(1)
    expect(schedule.dueBy(0.99)).toBe(1)
    expect(schedule.dueBy(1)).toBe(2)
    expect(schedule.dueBy(5.5)).toBe(6)
    expect(schedule.dueBy(1_000_000)).toBe(10)
  })

  test('a count bound wins when it is smaller than the duration bound', () => {
    expect(createSchedule({ ratePerS: 100, durationMs: 60_000, maxRequests: 7 }).total).toBe(7)
    expect(createSchedule({ ratePerS: 100, maxRequests: 7 }).total).toBe(7)
    expect(createSchedule({ ratePerS: 3, durationMs: 1000, maxRequests: 100 }).total).toBe(3)
  })

  test('rejects a non-positive rate and an unbounded schedule', () => {
    expect(() => createSchedule({ ratePerS: 0, durationMs: 1 })).toThrow('rate')
    expect(() => createSchedule({ ratePerS: Number.NaN, durationMs: 1 })).toThrow('rate')
    expect(() => createSchedule({ ratePerS: Number.POSITIVE_INFINITY, durationMs: 1 })).toThrow('rate')
    expect(() => createSchedule({ ratePerS: 10 })).toThrow('duration or a count')
  })
})
