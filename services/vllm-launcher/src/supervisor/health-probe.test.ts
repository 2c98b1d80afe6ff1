import { afterAll, describe, expect, test } from 'bun:test'
import { probeHealth } from './health-probe.ts'

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname === '/ok') return new Response('')
    if (pathname === '/dead') return new Response('', { status: 503 })
    return new Promise<Response>((resolve) => setTimeout(() => resolve(new Response('')), 2000))
  },
})
afterAll(() => server.stop(true))
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`

describe('probeHealth', () => {
  test('200 is healthy, 503 (engine dead) is not', async () => {
    expect(await probeHealth(url('/ok'), 1000)).toEqual({ ok: true, detail: '200' })
    expect(await probeHealth(url('/dead'), 1000)).toEqual({ ok: false, detail: '503' })
  })

  test('a wedged server is a timeout, a closed port is refused', async () => {
    expect(await probeHealth(url('/slow'), 50)).toEqual({ ok: false, detail: 'timeout' })
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
    const port = closed.port
    closed.stop(true)
    expect(await probeHealth(`http://127.0.0.1:${port}/health`, 1000)).toEqual({
      ok: false,
      detail: 'refused',
    })
  })
})
