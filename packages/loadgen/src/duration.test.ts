import { describe, expect, test } from 'bun:test'
import { parseDuration } from './duration.ts'

describe('parseDuration', () => {
  test('reads ms, s, m and h, and a bare number as seconds', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('2m')).toBe(120_000)
    expect(parseDuration('1h')).toBe(3_600_000)
    expect(parseDuration(' 2 ')).toBe(2000)
  })

  test('rejects unknown units, negatives, zero and empty text', () => {
    for (const bad of ['10x', '-1s', '0s', '', 's', '1e3', 'ten']) {
      expect(() => parseDuration(bad)).toThrow()
    }
  })
})
