import { afterAll, describe, expect, test } from 'bun:test'
import { type BodySink, createHttp1Transport, takeDirectBody } from './http1-transport.ts'

const transport = createHttp1Transport()
afterAll(() => transport.close())

/** A raw TCP upstream, for answers Bun.serve would not send (broken framing, closes, no backpressure). */
function rawUpstream(onRequest: (socket: Bun.Socket<{ seen: string }>, request: string) => void) {
  const connections: Array<Bun.Socket<{ seen: string }>> = []
  const server = Bun.listen<{ seen: string }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        socket.data = { seen: '' }
        connections.push(socket)
      },
      data(socket, bytes) {
        socket.data.seen += bytes.toString()
        const end = socket.data.seen.indexOf('\r\n\r\n')
        if (end === -1) return
        const length = Number(/content-length: (\d+)/i.exec(socket.data.seen)?.[1] ?? 0)
        if (socket.data.seen.length < end + 4 + length) return
        const request = socket.data.seen
        socket.data.seen = ''
        onRequest(socket, request)
      },
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, connections, stop: () => server.stop(true) }
}

const json = { 'content-type': 'application/json' }

describe('http1 transport against Bun.serve', () => {
  const seen: Array<{ headers: Record<string, string>; body: string }> = []
  let streamWriter: ((text: string | null) => void) | undefined
  const upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      seen.push({ headers: Object.fromEntries(request.headers), body: await request.text() })
      if (path === '/stream') {
        return new Response(
          new ReadableStream<string>({
            start(controller) {
              // Bun.serve sends the head with the first chunk.
              controller.enqueue('data: 0\n\n')
              streamWriter = (text) => (text === null ? controller.close() : controller.enqueue(text))
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        )
      }
      return Response.json({ echo: path }, { status: path === '/missing' ? 404 : 200 })
    },
  })
  afterAll(() => upstream.stop(true))

  test('sends method, path, headers and an exact body; answers with status, headers and body; reuses the connection', async () => {
    const before = transport.stats().open
    const body = JSON.stringify({ prompt: 'héllo ✓' })
    for (let i = 0; i < 3; i++) {
      const response = await transport.request(`${upstream.url}v1/x?q=1`, {
        method: 'POST',
        headers: { ...json, 'x-request-id': `r${i}` },
        body,
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(response.headers.get('transfer-encoding')).toBeNull()
      expect(await response.json()).toEqual({ echo: '/v1/x' })
    }
    expect(seen.at(-1)?.body).toBe(body)
    expect(seen.at(-1)?.headers['x-request-id']).toBe('r2')
    expect(seen.at(-1)?.headers.host).toBe(new URL(upstream.url).host)
    expect(seen.at(-1)?.headers['content-length']).toBe(String(Buffer.byteLength(body)))
    // Three sequential requests, one connection.
    expect(transport.stats().open - before).toBe(1)
  })

  test('an error status is an answer like any other', async () => {
    const response = await transport.request(`${upstream.url}missing`, {
      method: 'POST',
      headers: json,
      body: '{}',
    })
    expect(response.status).toBe(404)
    expect(response.ok).toBe(false)
    expect(await response.json()).toEqual({ echo: '/missing' })
  })

  test('a streamed answer is readable chunk by chunk as the upstream writes it', async () => {
    const response = await transport.request(`${upstream.url}stream`, {
      method: 'POST',
      headers: json,
      body: '{}',
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    expect(decoder.decode((await reader.read()).value)).toBe('data: 0\n\n')
    for (const part of ['data: 1\n\n', 'data: 2\n\n']) {
      streamWriter?.(part)
      let got = ''
      while (got.length < part.length) {
        const { value } = await reader.read()
        got += decoder.decode(value)
      }
      expect(got).toBe(part)
    }
    streamWriter?.(null)
    expect((await reader.read()).done).toBe(true)
  })

  test('localhost reaches an upstream listening on 127.0.0.1', async () => {
    const response = await transport.request(`http://localhost:${upstream.port}/v1/y`, {
      method: 'POST',
      headers: json,
      body: '{}',
    })
    expect(await response.json()).toEqual({ echo: '/v1/y' })
  })

  test('a request body larger than the socket buffer arrives whole', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(4 * 1024 * 1024) })
    const response = await transport.request(`${upstream.url}big`, {
      method: 'POST',
      headers: json,
      body: big,
    })
    expect(response.status).toBe(200)
    await response.text()
    expect(seen.at(-1)?.body.length).toBe(big.length)
  })
})

describe('http1 transport failures', () => {
  test('an abort before the answer rejects with the reason and closes the connection', async () => {
    let closedByClient = false
    const hang = rawUpstream(() => {})
    const controller = new AbortController()
    const pending = transport.request(`${hang.url}/x`, {
      method: 'POST',
      headers: json,
      body: '{}',
      signal: controller.signal,
    })
    await Bun.sleep(50)
    controller.abort(new Error('client left'))
    expect(await pending.catch((error: Error) => error.message)).toBe('client left')
    await Bun.sleep(50)
    closedByClient = hang.connections.every((socket) => socket.readyState !== 1)
    expect(closedByClient).toBe(true)
    hang.stop()
  })

  test('an abort mid-stream errors the body and the connection is not reused', async () => {
    const upstream = rawUpstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n')
    })
    const controller = new AbortController()
    const response = await transport.request(`${upstream.url}/s`, {
      method: 'POST',
      headers: json,
      body: '{}',
      signal: controller.signal,
    })
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first')
    controller.abort(new Error('gone'))
    expect(await reader.read().catch((error: Error) => error.message)).toBe('gone')
    await Bun.sleep(50)
    expect(upstream.connections[0]?.readyState).not.toBe(1)
    upstream.stop()
  })

  test('an upstream dying mid-stream errors the body instead of ending it as if complete', async () => {
    const upstream = rawUpstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n')
      setTimeout(() => socket.terminate(), 20)
    })
    const response = await transport.request(`${upstream.url}/s`, {
      method: 'POST',
      headers: json,
      body: '{}',
    })
    const error = await response.text().catch((failure: Error) => failure)
    expect(error).toBeInstanceOf(Error)
    upstream.stop()
  })

  test('a kept-alive connection the upstream closes as the next request arrives is retried once on a fresh one', async () => {
    let answered = 0
    let dropped = 0
    const served = new WeakSet<object>()
    const upstream = rawUpstream((socket) => {
      // Like a keep-alive timeout firing as the request arrives: a reused connection goes without a word.
      if (served.has(socket)) {
        dropped++
        socket.end()
        return
      }
      served.add(socket)
      answered++
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
    })
    const first = await transport.request(`${upstream.url}/a`, { method: 'POST', headers: json, body: '{}' })
    expect(await first.text()).toBe('ok')
    const second = await transport.request(`${upstream.url}/a`, { method: 'POST', headers: json, body: '{}' })
    expect(await second.text()).toBe('ok')
    expect({ answered, dropped }).toEqual({ answered: 2, dropped: 1 })
    upstream.stop()
  })

  test('a connection that answers nothing and closes, when new, is an error (no retry storm)', async () => {
    let requests = 0
    const upstream = rawUpstream((socket) => {
      requests++
      socket.end()
    })
    const error = await transport
      .request(`${upstream.url}/a`, { method: 'POST', headers: json, body: '{}' })
      .catch((failure: Error) => failure)
    expect(error).toBeInstanceOf(Error)
    expect(requests).toBe(1)
    upstream.stop()
  })

  test('Connection: close and malformed answers are not reused; a refused connection rejects', async () => {
    const before = transport.stats().open
    const closing = rawUpstream((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok'),
    )
    expect(
      await (
        await transport.request(`${closing.url}/a`, { method: 'POST', headers: json, body: '{}' })
      ).text(),
    ).toBe('ok')
    const broken = rawUpstream((socket) =>
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'),
    )
    const response = await transport.request(`${broken.url}/a`, { method: 'POST', headers: json, body: '{}' })
    expect(await response.text().catch((error: Error) => error.name)).toBe('Http1ProtocolError')
    await Bun.sleep(50)
    expect(transport.stats().open).toBe(before)
    closing.stop()
    broken.stop()
    const port = closing.url.split(':').at(-1)
    expect(
      await transport
        .request(`http://127.0.0.1:${port}/a`, { method: 'POST', headers: json, body: '{}' })
        .catch(() => 'refused'),
    ).toBe('refused')
  })

  test('a header value with a line break is refused before anything is sent', async () => {
    let requests = 0
    const upstream = rawUpstream(() => requests++)
    const error = await transport
      .request(`${upstream.url}/a`, {
        method: 'POST',
        headers: { 'x-request-id': 'a\r\nx-admin: 1' },
        body: '{}',
      })
      .catch((failure: Error) => failure)
    expect(error).toBeInstanceOf(TypeError)
    expect(requests).toBe(0)
    upstream.stop()
  })

  test('a slow reader stops the socket from reading: the upstream feels backpressure, and nothing is lost', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
    const total = 48 * 1024 * 1024
    let pushed = 0
    let pending: Buffer | undefined
    const upstream = Bun.listen<undefined>({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        data(socket) {
          socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n')
          const pump = () => {
            while (pushed < total) {
              const out = pending ?? frame
              const written = socket.write(out)
              if (written < out.length) {
                pending = out.subarray(Math.max(written, 0))
                return
              }
              pending = undefined
              pushed += chunk.length
            }
            socket.write('0\r\n\r\n')
          }
          socket.data = undefined
          ;(socket as unknown as { pump: () => void }).pump = pump
          pump()
        },
        drain(socket) {
          ;(socket as unknown as { pump: () => void }).pump()
        },
      },
    })
    const response = await transport.request(`http://127.0.0.1:${upstream.port}/big`, {
      method: 'POST',
      headers: json,
      body: '{}',
    })
    await Bun.sleep(300)
    // Unread, the client holds a few chunks; the rest waits in the kernel and on the upstream's side.
    expect(pushed).toBeLessThan(total / 2)
    let received = 0
    for await (const part of response.body as ReadableStream<Uint8Array>) received += part.length
    expect(received).toBe(total)
    upstream.stop(true)
  })

  test('idle connections are closed after the idle timeout', async () => {
    const short = createHttp1Transport({ idleTimeoutMs: 100 })
    const upstream = rawUpstream((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'))
    await (await short.request(`${upstream.url}/a`, { method: 'POST', headers: json, body: '{}' })).text()
    expect(short.stats()).toEqual({ open: 1, idle: 1 })
    await Bun.sleep(400)
    expect(short.stats()).toEqual({ open: 0, idle: 0 })
    short.close()
    upstream.stop()
  })

  test('https upstreams and URLs with credentials go through fetch', async () => {
    const real = globalThis.fetch
    const asked: string[] = []
    globalThis.fetch = (async (input: string | URL | Request) => {
      asked.push(String(input))
      return new Response('via fetch')
    }) as typeof fetch
    try {
      const response = await transport.request('https://vllm.internal/v1/models', {
        method: 'GET',
        headers: {},
      })
      expect(await response.text()).toBe('via fetch')
      // Credentials in the URL become basic auth in fetch; the socket pool would drop them.
      await transport.request('http://user:secret@vllm.internal:8000/v1/models', {
        method: 'GET',
        headers: {},
      })
      expect(asked).toEqual([
        'https://vllm.internal/v1/models',
        'http://user:secret@vllm.internal:8000/v1/models',
      ])
    } finally {
      globalThis.fetch = real
    }
  })

  test('a streamed answer taken directly is pushed piece by piece, then the connection serves again', async () => {
    const upstream = rawUpstream((socket, request) => {
      if (request.startsWith('POST /json ')) {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
        return
      }
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\none\r\n')
      setTimeout(() => socket.write('3\r\ntwo\r\n0\r\n\r\n'), 20)
    })
    const local = createHttp1Transport()
    const send = (path: string) =>
      local.request(`${upstream.url}${path}`, { method: 'POST', headers: json, body: '{}' })
    const response = await send('/s')
    const direct = takeDirectBody(response)
    if (!direct) throw new Error('no direct body')
    // Taken once: a second taker and the Response's own stream are refused.
    expect(takeDirectBody(response)).toBeUndefined()
    const events: string[] = []
    await new Promise<void>((resolve, reject) => {
      const sink: BodySink = {
        data: (bytes) => events.push(new TextDecoder().decode(bytes)),
        end: () => resolve(),
        error: reject,
      }
      direct.start(sink)
    })
    expect(events).toEqual(['one', 'two'])
    expect(takeDirectBody(await send('/json'))).toBeUndefined()
    expect(local.stats()).toEqual({ open: 1, idle: 1 })
    // A body already read as a stream cannot be taken directly.
    const read = await send('/s')
    const reader = (read.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    expect(takeDirectBody(read)).toBeUndefined()
    await reader.cancel()
    local.close()
    upstream.stop()
  })

  test('a sink that cancels or aborts while taking the pieces queued before start gets nothing more', async () => {
    const upstream = rawUpstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n')
    })
    const local = createHttp1Transport({ discardGraceMs: 50 })
    for (const how of ['cancel', 'abort']) {
      const controller = new AbortController()
      const response = await local.request(`${upstream.url}/s`, {
        method: 'POST',
        headers: json,
        body: '{}',
        signal: controller.signal,
      })
      // All three pieces wait in the queue: start hands them over in one go.
      await Bun.sleep(20)
      const direct = takeDirectBody(response)
      if (!direct) throw new Error('no direct body')
      const calls: string[] = []
      direct.start({
        data: (bytes) => {
          calls.push(new TextDecoder().decode(bytes))
          if (how === 'cancel') direct.cancel()
          else controller.abort(new Error('gone'))
        },
        end: () => calls.push('end'),
        error: (error: Error) => calls.push(`error ${error.message}`),
      })
      await Bun.sleep(20)
      expect(calls).toEqual(how === 'cancel' ? ['a'] : ['a', 'error gone'])
    }
    local.close()
    upstream.stop()
  })

  test('a cancelled body keeps its connection when the rest arrives soon, and loses it when the upstream goes on', async () => {
    const upstream = rawUpstream((socket, request) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\n[DONE]\r\n')
      if (request.startsWith('POST /short ')) setTimeout(() => socket.write('0\r\n\r\n'), 10)
      else {
        const timer = setInterval(() => {
          if (socket.write('4\r\nmore\r\n') < 0) clearInterval(timer)
        }, 10)
      }
    })
    const local = createHttp1Transport({ discardGraceMs: 150 })
    const take = async (path: string) => {
      const response = await local.request(`${upstream.url}${path}`, {
        method: 'POST',
        headers: json,
        body: '{}',
      })
      const direct = takeDirectBody(response)
      if (!direct) throw new Error('no direct body')
      const calls: string[] = []
      direct.start({
        data: () => {
          calls.push('data')
          direct.cancel()
        },
        end: () => calls.push('end'),
        error: () => calls.push('error'),
      })
      return calls
    }
    const short = await take('/short')
    await Bun.sleep(60)
    expect(short).toEqual(['data'])
    expect(local.stats()).toEqual({ open: 1, idle: 1 })
    const endless = await take('/endless')
    await Bun.sleep(300)
    expect(endless).toEqual(['data'])
    expect(local.stats()).toEqual({ open: 0, idle: 0 })
    local.close()
    upstream.stop()
  })
})

describe('http1 transport: answers it cannot use, and when a retry is safe', () => {
  /** Settles or says it did not: a hang fails the test instead of timing it out. */
  const outcome = (pending: Promise<Response>) =>
    Promise.race([
      pending.then(
        async (response) => `resolved ${response.status} ${await response.text()}`,
        (error: Error) => `rejected ${error.name}`,
      ),
      Bun.sleep(1_000).then(() => 'hung'),
    ])

  test('an answer Response refuses rejects the request (even past its abort) and drops the connection', async () => {
    const local = createHttp1Transport()
    for (const answer of [
      'HTTP/1.1 600 Weird\r\ncontent-length: 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nx-a: a\rb\r\ncontent-length: 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nx-a: a\rb\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    ]) {
      const upstream = rawUpstream((socket) => socket.write(answer))
      const controller = new AbortController()
      setTimeout(() => controller.abort(new Error('timeout')), 300)
      const pending = local.request(`${upstream.url}/a`, {
        method: 'POST',
        headers: json,
        body: '{}',
        signal: controller.signal,
      })
      expect(await outcome(pending)).toBe('rejected Http1ProtocolError')
      await Bun.sleep(20)
      expect(local.stats()).toEqual({ open: 0, idle: 0 })
      upstream.stop()
    }
    local.close()
  })

  test('the retry after a stale close opens a new connection instead of taking another idle one', async () => {
    let dropped = 0
    const upstream = rawUpstream((socket) => {
      // Every connection serves one request, then closes as the next arrives: all idle ones are stale.
      if ((socket as unknown as { served?: boolean }).served) {
        dropped++
        socket.end()
        return
      }
      ;(socket as unknown as { served?: boolean }).served = true
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
    })
    const local = createHttp1Transport()
    const send = () => local.request(`${upstream.url}/a`, { method: 'POST', headers: json, body: '{}' })
    await Promise.all([send(), send()].map(async (pending) => (await pending).text()))
    expect(local.stats()).toEqual({ open: 2, idle: 2 })
    expect(await outcome(send())).toBe('resolved 200 ok')
    expect(dropped).toBe(1)
    local.close()
    upstream.stop()
  })

  test('a reused connection that closes after the upstream had the request for a while, or after a 1xx, is not retried', async () => {
    let requests = 0
    const upstream = rawUpstream((socket, request) => {
      requests++
      const served = socket as unknown as { served?: boolean }
      if (!served.served) {
        served.served = true
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
      } else if (request.startsWith('POST /early ')) {
        socket.write('HTTP/1.1 100 Continue\r\n\r\n')
        setTimeout(() => socket.end(), 10)
      } else {
        // Worked on it, then died: a second run would do the work twice.
        setTimeout(() => socket.end(), 150)
      }
    })
    const local = createHttp1Transport({ staleRetryWindowMs: 50 })
    const send = (path: string) =>
      local.request(`${upstream.url}${path}`, { method: 'POST', headers: json, body: '{}' })
    for (const path of ['/slow', '/early']) {
      await (await send('/a')).text()
      requests = 0
      expect(await outcome(send(path))).toBe('rejected Http1ProtocolError')
      expect(requests).toBe(1)
    }
    local.close()
    upstream.stop()
  })

  test('a body that runs until close, cut by a reset, is an error rather than complete', async () => {
    const net = await import('node:net')
    const server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"partial":')
        setTimeout(() => socket.resetAndDestroy(), 30)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const local = createHttp1Transport()
    const response = await local.request(`http://127.0.0.1:${port}/a`, {
      method: 'POST',
      headers: json,
      body: '{}',
    })
    expect(
      await response.text().then(
        () => 'complete',
        () => 'error',
      ),
    ).toBe('error')
    local.close()
    server.close()
  })

  test("a caller's framing headers are not sent: the transport's content-length is the only framing", async () => {
    let request = ''
    const upstream = rawUpstream((socket, text) => {
      request = text
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
    })
    const local = createHttp1Transport()
    await (
      await local.request(`${upstream.url}/a`, {
        method: 'POST',
        headers: { ...json, 'Transfer-Encoding': 'chunked', te: 'trailers', upgrade: 'h2c' },
        body: '{}',
      })
    ).text()
    expect(request.toLowerCase()).not.toContain('transfer-encoding')
    expect(request.toLowerCase()).not.toContain('upgrade')
    expect(request.toLowerCase()).toContain('content-length: 2')
    local.close()
    upstream.stop()
  })
})

describe('http1 transport: close', () => {
  test('a request in flight when the transport closes does not leave its connection open afterwards', async () => {
    let answer: (() => void) | undefined
    const upstream = rawUpstream((socket) => {
      answer = () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
    })
    const local = createHttp1Transport({ idleTimeoutMs: 100 })
    const pending = local.request(`${upstream.url}/a`, { method: 'POST', headers: json, body: '{}' })
    while (answer === undefined) await Bun.sleep(2)
    // A shutdown whose drain ended with this request still running.
    local.close()
    answer()
    expect(await (await pending).text()).toBe('ok')
    // Pooled after close, nothing would ever close it: the sweep is stopped.
    for (let i = 0; i < 50 && local.stats().open > 0; i++) await Bun.sleep(10)
    expect(local.stats()).toEqual({ open: 0, idle: 0 })
    upstream.stop()
  })
})
