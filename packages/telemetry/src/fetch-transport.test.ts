import { afterAll, describe, expect, test } from 'bun:test'
import { gunzipSync } from 'node:zlib'
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base'
import { createFetchTransport, retryAfterMs, withRetries } from './fetch-transport.ts'

/** A collector whose next answers are queued by the test; it records what it was sent. */
const seen: { headers: Headers; body: Buffer }[] = []
const answers: (() => Response | Promise<Response>)[] = []
const collector = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(request) {
    seen.push({ headers: request.headers, body: Buffer.from(await request.arrayBuffer()) })
    return (answers.shift() ?? (() => new Response(Uint8Array.of(8, 1))))()
  },
})
afterAll(() => collector.stop(true))

const url = `http://127.0.0.1:${collector.port}/v1/traces`
const transport = (compression: 'gzip' | 'none' = 'none') =>
  createFetchTransport({
    url,
    headers: async () => ({ 'Content-Type': 'application/x-protobuf', 'x-tenant': 'team-a' }),
    compression,
  })

describe('OTLP fetch transport', () => {
  test('posts the bytes with the configured headers; a 2xx answer is a success carrying its body', async () => {
    seen.length = 0
    const result = await transport().send(Uint8Array.of(1, 2, 3), 5_000)
    expect(result).toEqual({ status: 'success', data: Uint8Array.of(8, 1) })
    expect([...(seen[0]?.body ?? [])]).toEqual([1, 2, 3])
    expect(seen[0]?.headers.get('content-type')).toBe('application/x-protobuf')
    expect(seen[0]?.headers.get('x-tenant')).toBe('team-a')
    expect(seen[0]?.headers.get('user-agent')).toContain('infergate')
  })

  test('gzip: the body is compressed and says so', async () => {
    seen.length = 0
    const data = new Uint8Array(10_000).fill(7)
    expect((await transport('gzip').send(data, 5_000)).status).toBe('success')
    expect(seen[0]?.headers.get('content-encoding')).toBe('gzip')
    expect(seen[0]?.body.length).toBeLessThan(1_000)
    expect(gunzipSync(seen[0]?.body ?? Buffer.alloc(0)).equals(Buffer.from(data))).toBe(true)
  })

  test('429, 502, 503 and 504 are retryable, with the collector Retry-After; other errors are failures', async () => {
    answers.push(() => new Response('slow down', { status: 429, headers: { 'retry-after': '2' } }))
    expect(await transport().send(Uint8Array.of(1), 5_000)).toEqual({
      status: 'retryable',
      retryInMillis: 2_000,
    })
    for (const status of [502, 503, 504]) {
      answers.push(() => new Response('', { status }))
      expect((await transport().send(Uint8Array.of(1), 5_000)).status).toBe('retryable')
    }
    answers.push(() => new Response('bad spans', { status: 400, statusText: 'Bad Request' }))
    const refused = await transport().send(Uint8Array.of(1), 5_000)
    expect(refused.status).toBe('failure')
    const error = (refused as { error: { code?: number; data?: string } }).error
    expect(error.code).toBe(400)
    expect(error.data).toBe('bad spans')
  })

  test('a collector that is down or does not answer in time: retryable, within the timeout', async () => {
    const down = createFetchTransport({
      url: 'http://127.0.0.1:1/v1/traces',
      headers: () => ({}),
      compression: 'none',
    })
    expect((await down.send(Uint8Array.of(1), 5_000)).status).toBe('retryable')
    answers.push(() => new Promise<Response>(() => {}))
    const started = performance.now()
    expect((await transport().send(Uint8Array.of(1), 200)).status).toBe('retryable')
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})

describe('retryAfterMs', () => {
  test('seconds or an HTTP date; nothing for an absent or unreadable header', () => {
    const now = Date.parse('2026-11-23T00:00:00Z')
    expect(retryAfterMs('3', now)).toBe(3_000)
    expect(retryAfterMs('0', now)).toBe(0)
    expect(retryAfterMs('Mon, 23 Nov 2026 00:00:05 GMT', now)).toBe(5_000)
    expect(retryAfterMs('Sun, 22 Nov 2026 00:00:05 GMT', now)).toBe(0)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    // Not a date: Date.parse reads '1.5' as a day in 2001, which would make it 'now'.
    expect(retryAfterMs('1.5', now)).toBe(1_000)
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
})

describe('withRetries', () => {
  /** A transport that gives the queued answers in turn and records when it was called. */
  function scripted(results: ExportResponse[]): IExporterTransport & { calls: number[] } {
    const calls: number[] = []
    return {
      calls,
      async send() {
        calls.push(performance.now())
        return results.shift() ?? { status: 'success' }
      },
      shutdown() {},
    }
  }
  const fast = { maxRetries: 5, initialBackoffMs: 10, maxBackoffMs: 40, multiplier: 2, jitter: 0.2 }

  test('retries a retryable answer with growing backoff until it succeeds', async () => {
    const inner = scripted([{ status: 'retryable' }, { status: 'retryable' }, { status: 'success' }])
    const result = await withRetries(inner, fast, () => 0.5).send(Uint8Array.of(1), 5_000)
    expect(result.status).toBe('success')
    expect(inner.calls).toHaveLength(3)
    const [first = 0, second = 0, third = 0] = inner.calls
    expect(second - first).toBeGreaterThanOrEqual(9)
    expect(third - second).toBeGreaterThanOrEqual(19)
  })

  test('gives up after maxRetries, and never retries a failure', async () => {
    const always = scripted(Array.from({ length: 10 }, () => ({ status: 'retryable' }) as ExportResponse))
    expect((await withRetries(always, fast).send(Uint8Array.of(1), 5_000)).status).toBe('retryable')
    expect(always.calls).toHaveLength(6)
    const failing = scripted([{ status: 'failure', error: new Error('no') }])
    expect((await withRetries(failing, fast).send(Uint8Array.of(1), 5_000)).status).toBe('failure')
    expect(failing.calls).toHaveLength(1)
  })

  test("waits the collector's Retry-After, but not past the export's deadline", async () => {
    const honoured = scripted([{ status: 'retryable', retryInMillis: 60 }])
    await withRetries(honoured, fast).send(Uint8Array.of(1), 5_000)
    expect((honoured.calls[1] ?? 0) - (honoured.calls[0] ?? 0)).toBeGreaterThanOrEqual(55)
    const tooLate = scripted([{ status: 'retryable', retryInMillis: 10_000 }])
    const started = performance.now()
    expect((await withRetries(tooLate, fast).send(Uint8Array.of(1), 500)).status).toBe('retryable')
    expect(tooLate.calls).toHaveLength(1)
    expect(performance.now() - started).toBeLessThan(400)
  })
})

describe('OTLP fetch transport: answers that misbehave', () => {
  /** A collector that answers with headers at once, then a body it streams as the test says. */
  const streaming = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const mode = new URL(request.url).pathname
      if (mode === '/declared') return new Response(new Uint8Array(5 * 1024 * 1024), { status: 503 })
      const body = new ReadableStream({
        async pull(controller) {
          if (mode === '/stall') {
            controller.enqueue(Uint8Array.of(8))
            await new Promise<void>(() => {})
          }
          // A large answer in 64 KiB chunks, no content-length: 8 MiB in all.
          for (let chunk = 0; chunk < 128; chunk++) controller.enqueue(new Uint8Array(64 * 1024))
          controller.close()
        },
      })
      return new Response(body, { headers: { 'content-type': 'application/x-protobuf' } })
    },
  })
  afterAll(() => streaming.stop(true))
  const at = (path: string) =>
    createFetchTransport({
      url: `http://127.0.0.1:${streaming.port}${path}`,
      headers: () => ({}),
      compression: 'none',
    })

  test('an answer past 4 MiB without content-length is a failure, as OpenTelemetry has it, and is not kept', async () => {
    const result = await at('/large').send(Uint8Array.of(1), 5_000)
    expect(result.status).toBe('failure')
    expect(result.status === 'success' ? result.data?.length : 0).toBeLessThanOrEqual(4 * 1024 * 1024)
    // Declared too large: a failure too, whatever the status (not a retryable 503 with an empty answer).
    expect((await at('/declared').send(Uint8Array.of(1), 5_000)).status).toBe('failure')
  })

  test('a body that stalls after the headers: retryable once the timeout passes', async () => {
    const started = performance.now()
    const result = await Promise.race([
      at('/stall').send(Uint8Array.of(1), 200),
      Bun.sleep(3_000).then(() => ({ status: 'hung' })),
    ])
    expect(result.status).toBe('retryable')
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})
