import { describe, expect, test } from 'bun:test'
import { isPortFree } from './port-check.ts'

describe('isPortFree', () => {
  test('false while something listens, true once it is gone', () => {
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
    const port = server.port ?? 0
    expect(isPortFree('127.0.0.1', port)).toBe(false)
    server.stop(true)
    expect(isPortFree('127.0.0.1', port)).toBe(true)
  })
})
