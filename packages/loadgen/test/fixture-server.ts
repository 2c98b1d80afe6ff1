/** @module A tiny OpenAI-shaped server for driver tests; the `x-fixture` header picks how it answers. */

export interface Fixture {
  readonly url: string
  readonly port: number
  /** Requests received so far. */
  readonly count: () => number
  /** The most requests in progress at once. */
  readonly peak: () => number
  stop(): Promise<void>
}

const encoder = new TextEncoder()
const chunk = (delta: object) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`
const usage = (tokens: number) =>
  `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1 } })}\n\n`

/** Streams `parts`, waiting `gapMs` between them. */
function sse(parts: string[], gapMs: number): Response {
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const part of parts) {
        controller.enqueue(encoder.encode(part))
        if (gapMs > 0) await Bun.sleep(gapMs)
      }
      controller.close()
    },
  })
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
}

const json = (body: object, status = 200) => Response.json(body, { status })

function answer(mode: string): Response | Promise<Response> {
  const content = [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'a' }),
    chunk({ content: 'b' }),
  ]
  switch (mode) {
    case 'stream':
      return sse([...content, chunk({ content: 'c' }), usage(3), 'data: [DONE]\n\n'], 5)
    case 'stream-no-usage':
      return sse([...content, 'data: [DONE]\n\n'], 0)
    case 'inband':
      return sse(
        [
          ...content,
          `data: ${JSON.stringify({ error: { message: 'engine died' } })}\n\n`,
          'data: [DONE]\n\n',
        ],
        0,
      )
    case 'truncate':
      return sse(content, 0)
    case 'bad-chunk':
      return sse([...content, 'data: {nope\n\n', 'data: [DONE]\n\n'], 0)
    case 'not-sse':
      return json({ usage: { completion_tokens: 1 } })
    case 'status':
      return json({ error: { message: 'overloaded', type: 'InternalServerError' } }, 503)
    case 'error-200':
      return json({ error: { message: 'odd' } })
    case 'bad-json':
      return new Response('<html>', { headers: { 'content-type': 'text/html' } })
    case 'hang':
      return new Promise<Response>(() => {})
    case 'slow':
      return Bun.sleep(300).then(() => json({ usage: { completion_tokens: 1 } }))
    default:
      return json({ choices: [{ message: { content: 'ok' } }], usage: { completion_tokens: 4 } })
  }
}

/**
 * Starts the fixture on 127.0.0.1 port 0. Without an `x-fixture` header a request gets `defaultMode`, or else a
 * good stream or JSON answer according to its `stream` field.
 */
export function startFixture(defaultMode?: string): Fixture {
  let count = 0
  let active = 0
  let peak = 0
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      count += 1
      const url = new URL(request.url)
      if (url.pathname === '/v1/models') return json({ object: 'list', data: [{ id: 'fixture-model' }] })
      active += 1
      peak = Math.max(peak, active)
      try {
        const header = request.headers.get('x-fixture')
        if (header) return await answer(header)
        const body = (await request.json()) as { stream?: boolean }
        return await answer(defaultMode ?? (body.stream ? 'stream' : 'json'))
      } finally {
        active -= 1
      }
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port ?? 0,
    count: () => count,
    peak: () => peak,
    stop: () => server.stop(true),
  }
}

/**
 * A raw TCP server that starts a chunked SSE response and then closes the socket mid-body, as a crashing upstream
 * does (Bun.serve cannot be made to do this without logging an error).
 */
export function startResetServer(): { url: string; stop(): void } {
  const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n'
  const part = chunk({ content: 'a' })
  const listener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        socket.write(`${head}${part.length.toString(16)}\r\n${part}\r\n`)
        // Closing a moment later lets the client read the chunk first, as it would from a real crash.
        setTimeout(() => socket.end(), 20)
      },
    },
  })
  return { url: `http://127.0.0.1:${listener.port}`, stop: () => listener.stop(true) }
}
