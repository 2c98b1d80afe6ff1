import { describe, expect, test } from 'bun:test'
import { createPresetIdGenerator } from './preset-ids.ts'

describe('preset id generator', () => {
  test('hands out a preset id once, then random ones of the right shape', () => {
    const ids = createPresetIdGenerator()
    ids.preset({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) })
    expect(ids.generateTraceId()).toBe('a'.repeat(32))
    expect(ids.generateSpanId()).toBe('b'.repeat(16))
    expect(ids.generateTraceId()).toMatch(/^[0-9a-f]{32}$/)
    expect(ids.generateTraceId()).not.toBe('a'.repeat(32))
    expect(ids.generateSpanId()).toMatch(/^[0-9a-f]{16}$/)
  })
})
