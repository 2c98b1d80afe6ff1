import { describe, expect, test } from 'bun:test'
import { childTraceContext, formatTraceparent, parseTraceparent, randomHex } from './trace-context.ts'

describe('trace context', () => {
  test('continues a valid incoming trace with a new span id', () => {
    const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
    expect(parent).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    })
    const child = childTraceContext(parent)
    expect(child.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(child.spanId).not.toBe('00f067aa0ba902b7')
    expect(formatTraceparent(child)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
  })

  test('rejects malformed and all-zero headers and starts a new trace', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    ]) {
      expect(parseTraceparent(bad)).toBeUndefined()
    }
    const fresh = childTraceContext(undefined)
    expect(formatTraceparent(fresh)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')?.sampled).toBe(false)
  })

  test('random ids are lowercase hex of the asked length, and differ across the pool refills', () => {
    const ids = new Set<string>()
    for (let index = 0; index < 1_000; index++) {
      const id = randomHex(8)
      expect(id).toMatch(/^[0-9a-f]{16}$/)
      ids.add(id)
    }
    expect(ids.size).toBe(1_000)
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/)
  })
})
