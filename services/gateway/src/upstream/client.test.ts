import { afterAll, describe, expect, test } from 'bun:test'
import { sendUpstream, UpstreamFailure } from './client.ts'

// An upstream that answers at once on /ok and never on /hang.
const upstream = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(request) {
    if (new URL(request.url).pathname === '/hang') await Bun.sleep(5_000)
    return Response.json({ ok: true })
  },
})
afterAll(() => upstream.stop(true))

/** An AbortSignal that counts the abort listeners attached to it. */
function countingSignal() {
  const controller = new AbortController()
  let listeners = 0
  const add = controller.signal.addEventListener.bind(controller.signal)
  const remove = controller.signal.removeEventListener.bind(controller.signal)
  controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++
    add(...args)
  }) as typeof add
  controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    listeners--
    remove(...args)
  }) as typeof remove
  return { controller, listeners: () => listeners }
}

const send = (path: string, clientSignal: AbortSignal | undefined, timeoutMs = 2_000) =>
  sendUpstream({ url: `${upstream.url}${path.slice(1)}`, body: '{}', headers: {}, clientSignal, timeoutMs })

describe('sendUpstream', () => {
  test('listens to the client until the exchange is detached, then lets go of its signal', async () => {
    const { controller, listeners } = countingSignal()
    const exchange = await send('/ok', controller.signal, 50)
    expect(listeners()).toBe(1)
    expect(await exchange.response.json()).toEqual({ ok: true })
    exchange.detach()
    expect(listeners()).toBe(0)
    // The time-to-first-byte timer is cleared too: past its deadline nothing fires.
    await Bun.sleep(100)
    expect(exchange.timedOut()).toBe(false)
  })

  test('a client that leaves aborts the upstream request; a silent upstream times out', async () => {
    const { controller } = countingSignal()
    const pending = send('/hang', controller.signal)
    controller.abort()
    const aborted = await pending.catch((error: unknown) => error)
    expect(aborted).toBeInstanceOf(UpstreamFailure)
    expect((aborted as UpstreamFailure).kind).toBe('aborted')
    const timedOut = await send('/hang', undefined, 50).catch((error: unknown) => error)
    expect((timedOut as UpstreamFailure).kind).toBe('timeout')
  })

  test('an unreachable upstream is a connect failure, and no listener is left behind', async () => {
    const { controller, listeners } = countingSignal()
    const failure = await sendUpstream({
      url: 'http://127.0.0.1:1/v1/chat/completions',
      body: '{}',
      headers: {},
      clientSignal: controller.signal,
      timeoutMs: 2_000,
    }).catch((error: unknown) => error)
    expect((failure as UpstreamFailure).kind).toBe('connect')
    expect(listeners()).toBe(0)
  })
})
