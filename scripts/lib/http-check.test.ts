import { afterAll, describe, expect, test } from 'bun:test'
import { checkHealth, waitHealthy } from './http-check.ts'

let calls = 0
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname === '/warming') {
      calls += 1
      return new Response('', { status: calls >= 3 ? 200 : 503 })
    }
    return new Response('', { status: pathname === '/ok' ? 200 : 503 })
  },
})
afterAll(() => server.stop(true))
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`

describe('checkHealth', () => {
  test('ok for 2xx, the status otherwise, down when nothing listens', async () => {
    expect(await checkHealth(url('/ok'))).toBe('ok')
    expect(await checkHealth(url('/bad'))).toBe('http 503')
    expect(await checkHealth('http://127.0.0.1:1/health', 200)).toBe('down')
  })
})

describe('waitHealthy', () => {
  test('polls until healthy', async () => {
    expect(await waitHealthy(url('/warming'), 5000)).toEqual({ ok: true, last: 'ok' })
    expect(calls).toBe(3)
  })

  test('stops at once when the process is gone, and at the deadline otherwise', async () => {
    expect(await waitHealthy(url('/bad'), 5000, () => false)).toEqual({ ok: false, last: 'http 503' })
    expect(await waitHealthy(url('/bad'), 150)).toEqual({ ok: false, last: 'http 503' })
  })
})
