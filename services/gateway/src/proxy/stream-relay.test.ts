import { describe, expect, test } from 'bun:test'
import type { BodySink, DirectBody } from '../upstream/http1-transport.ts'
import { CLIENT_QUEUE_CHUNKS, createStreamRelay, type StreamStats } from './stream-relay.ts'

const enc = new TextEncoder()
const chunk = (content: string, finish: string | null = null) =>
  `data: {"choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":${finish ? `"${finish}"` : 'null'}}]}\n\n`
const ROLE = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n'
const USAGE = 'data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}\n\n'
const DONE = 'data: [DONE]\n\n'

/** An upstream body we feed by hand; `close` ends it, `error` breaks it. */
function upstream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let cancelled = false
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
    },
    cancel() {
      cancelled = true
    },
  })
  return {
    body,
    send: (text: string) => controller.enqueue(enc.encode(text)),
    sendBytes: (bytes: Uint8Array) => controller.enqueue(bytes),
    close: () => controller.close(),
    error: () => controller.error(new Error('reset')),
    get cancelled() {
      return cancelled
    },
  }
}

function relay(
  source: ReturnType<typeof upstream>,
  options: { keepUsageChunk?: boolean; idleTimeoutMs?: number; clientSignal?: AbortSignal } = {},
) {
  let clock = 0
  let ended: StreamStats | undefined
  const aborts: unknown[] = []
  const gaps: number[] = []
  const stream = createStreamRelay({
    body: source.body,
    abortUpstream: (reason) => aborts.push(reason),
    clientSignal: options.clientSignal,
    idleTimeoutMs: options.idleTimeoutMs ?? 5_000,
    keepUsageChunk: options.keepUsageChunk ?? false,
    startedAt: 0,
    now: () => (clock += 10),
    onTokenGap: (gap) => gaps.push(gap),
    onEnd: (stats) => {
      ended = stats
    },
  })
  return { stream, aborts, gaps, ended: () => ended }
}

const readAll = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text()

describe('stream relay', () => {
  test('passes events through unchanged, drops the usage chunk the client did not ask for, keeps the stats', async () => {
    const source = upstream()
    const { stream, ended, gaps } = relay(source)
    source.send(ROLE + chunk('He'))
    source.send(chunk('llo'))
    source.send(chunk('', 'stop') + USAGE + DONE)
    source.close()
    expect(await readAll(stream)).toBe(ROLE + chunk('He') + chunk('llo') + chunk('', 'stop') + DONE)
    expect(ended()).toMatchObject({
      outcome: 'completed',
      ttftMs: 10,
      finishReasons: ['stop'],
      contentChunks: 2,
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
    })
    expect(gaps).toEqual([10])
  })

  test('a chunk whose events all pass unchanged reaches the client as that very chunk, not a copy', async () => {
    const source = upstream()
    const { stream } = relay(source)
    const reader = stream.getReader()
    source.send(ROLE)
    await reader.read()
    const twoEvents = enc.encode(chunk('a') + chunk('b'))
    source.sendBytes(twoEvents)
    expect((await reader.read()).value).toBe(twoEvents)
    await reader.cancel()
  })

  test('an event split across reads is sent whole once complete, merged with the events after it', async () => {
    const source = upstream()
    const { stream } = relay(source)
    const reader = stream.getReader()
    source.send(ROLE)
    await reader.read()
    const text = chunk('split') + chunk('next')
    source.send(text.slice(0, 20))
    source.send(text.slice(20) + USAGE)
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(text)
    await reader.cancel()
  })

  test('bytes carried over from the last read and a partial event at the end never go out early', async () => {
    const source = upstream()
    const { stream } = relay(source)
    const reader = stream.getReader()
    source.send(ROLE)
    await reader.read()
    const first = chunk('one')
    const second = chunk('two')
    // The new read is exactly as long as the two events it completes, but starts mid-event and ends mid-event.
    source.send(first.slice(0, 20))
    source.send(first.slice(20) + second + first.slice(0, 20))
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(first + second)
    await reader.cancel()
  })

  test('keeps the usage chunk when the client asked for include_usage', async () => {
    const source = upstream()
    const { stream } = relay(source, { keepUsageChunk: true })
    source.send(ROLE + chunk('a', 'length') + USAGE + DONE)
    source.close()
    expect(await readAll(stream)).toBe(ROLE + chunk('a', 'length') + USAGE + DONE)
  })

  test('an upstream that dies mid-stream ends the client stream with an error event and [DONE]', async () => {
    const source = upstream()
    const { stream, ended } = relay(source)
    const reader = stream.getReader()
    source.send(ROLE + chunk('a'))
    const first = await reader.read()
    source.send('data: {"choices":[{"index":0,"del')
    source.error()
    let rest = ''
    for (let part = await reader.read(); !part.done; part = await reader.read())
      rest += new TextDecoder().decode(part.value)
    expect(new TextDecoder().decode(first.value)).toBe(ROLE + chunk('a'))
    expect(rest).toContain('"code":"upstream_error"')
    expect(rest.endsWith(DONE)).toBe(true)
    expect(rest).not.toContain('"del')
    expect(ended()?.outcome).toBe('upstream_closed')
    expect(ended()?.contentChunks).toBe(1)
  })

  test('a clean close without [DONE] is also an error for the client', async () => {
    const source = upstream()
    const { stream, ended } = relay(source)
    source.send(ROLE)
    source.close()
    const text = await readAll(stream)
    expect(text).toContain('before it completed')
    expect(ended()?.outcome).toBe('upstream_closed')
  })

  test('a silent upstream is cut after the idle timeout with a timeout error event', async () => {
    const source = upstream()
    const { stream, ended, aborts } = relay(source, { idleTimeoutMs: 30 })
    source.send(ROLE + chunk('a'))
    const text = await readAll(stream)
    expect(text).toContain('"code":"upstream_timeout"')
    expect(text.endsWith(DONE)).toBe(true)
    expect(ended()?.outcome).toBe('idle_timeout')
    expect(aborts).toHaveLength(1)
  })

  test('a client that goes away aborts the upstream at once', async () => {
    const source = upstream()
    const { stream, ended, aborts } = relay(source)
    source.send(ROLE + chunk('a'))
    const reader = stream.getReader()
    await reader.read()
    await reader.cancel('client left')
    expect(aborts).toEqual(['client left'])
    expect(source.cancelled).toBe(true)
    expect(ended()?.outcome).toBe('client_aborted')
  })

  test('a client that stops reading is not the upstream going silent: the idle timeout is not charged to it', async () => {
    let sink: BodySink | undefined
    let pauses = 0
    const body: DirectBody = {
      start: (s) => {
        sink = s
      },
      pause: () => {
        pauses++
      },
      resume: () => {},
      cancel: () => {},
    }
    let ended: StreamStats | undefined
    const aborts: unknown[] = []
    createStreamRelay({
      body,
      abortUpstream: (reason) => aborts.push(reason),
      idleTimeoutMs: 30,
      keepUsageChunk: false,
      startedAt: 0,
      now: () => 0,
      onEnd: (stats) => {
        ended = stats
      },
    })
    for (let i = 0; i < CLIENT_QUEUE_CHUNKS * 2; i++) sink?.data(enc.encode(chunk(`t${i}`)))
    expect(pauses).toBeGreaterThan(0)
    // Nobody reads: the upstream stays paused, the idle timer fires.
    await Bun.sleep(80)
    expect(ended?.outcome).toBe('client_aborted')
    expect(aborts).toHaveLength(1)
  })

  test('an upstream cut because the client left first is the client leaving, not an upstream failure', async () => {
    const source = upstream()
    const client = new AbortController()
    const { stream, ended } = relay(source, { clientSignal: client.signal })
    source.send(ROLE + chunk('a'))
    const reader = stream.getReader()
    await reader.read()
    // The client's abort reaches the upstream (and ends its body) before the client's stream is cancelled.
    client.abort()
    source.error()
    await Bun.sleep(10)
    expect(ended()?.outcome).toBe('client_aborted')
  })

  test('an in-band upstream error is relayed and recorded', async () => {
    const source = upstream()
    const { stream, ended } = relay(source)
    source.send(`${ROLE}data: {"error":{"message":"engine died","code":500}}\n\n${DONE}`)
    source.close()
    expect(await readAll(stream)).toContain('engine died')
    expect(ended()).toMatchObject({ outcome: 'upstream_error', errorMessage: 'engine died' })
  })

  test('reads the upstream only as fast as the client reads, a bounded few pieces ahead', async () => {
    let pulls = 0
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls++
          controller.enqueue(enc.encode(chunk('x')))
        },
      },
      { highWaterMark: 0 },
    )
    const stream = createStreamRelay({
      body,
      abortUpstream: () => {},
      idleTimeoutMs: 5_000,
      keepUsageChunk: false,
      startedAt: 0,
      now: () => 0,
      onEnd: () => {},
    })
    const reader = stream.getReader()
    for (let i = 0; i < 3; i++) await reader.read()
    await Bun.sleep(20)
    const ahead = pulls
    expect(ahead).toBeLessThanOrEqual(3 + CLIENT_QUEUE_CHUNKS + 1)
    await Bun.sleep(30)
    expect(pulls).toBe(ahead)
    await reader.read()
    await Bun.sleep(10)
    expect(pulls).toBeGreaterThan(ahead)
    await reader.cancel()
  })
})

describe('stream relay over a read stream (fetch bodies)', () => {
  test("a throw from the relay's own callbacks ends the client stream instead of escaping as an unhandled rejection", async () => {
    const source = upstream()
    let ended: StreamStats | undefined
    const stream = createStreamRelay({
      body: source.body,
      abortUpstream: () => {},
      idleTimeoutMs: 5_000,
      keepUsageChunk: false,
      startedAt: 0,
      now: () => 0,
      onTokenGap: () => {
        throw new Error('metrics broke')
      },
      onEnd: (stats) => {
        ended = stats
      },
    })
    // The second content chunk reports a token gap, which throws inside the read loop.
    source.send(ROLE + chunk('a'))
    await Bun.sleep(5)
    source.send(chunk('b'))
    const text = await Promise.race([readAll(stream), Bun.sleep(1_000).then(() => 'still open')])
    expect(text).toContain('"code":"upstream_error"')
    expect(text.endsWith(DONE)).toBe(true)
    expect(ended?.outcome).toBe('upstream_closed')
    expect(source.cancelled).toBe(true)
  })
})
