/**
 * Randomized robustness test of the HTTP/1.1 transport: a raw upstream that answers each request in one of many
 * well- and ill-behaved ways, and clients that read, pause, cancel and abort at random, checked against invariants
 * rather than scripted outcomes. The seed is fixed so a failure reproduces; CHAOS_SEED=<n> (or `random`) explores.
 */
import { expect, test } from 'bun:test'
import { createRng } from '@infergate/vllm-sim/testing'
import { type BodySink, createHttp1Transport, takeDirectBody } from './http1-transport.ts'

const SEED =
  process.env.CHAOS_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 32)
    : Number(process.env.CHAOS_SEED ?? 0x5eed_c0de) >>> 0
const EXCHANGES = Number(process.env.CHAOS_EXCHANGES ?? 300)
const CONCURRENCY = Number(process.env.CHAOS_CONCURRENCY ?? 30)
/** Every exchange ends well before this; one still running then is a hang, whatever stage it is in. */
const EXCHANGE_DEADLINE_MS = 2_500
/** Each request's own abort against an upstream that never answers. */
const SAFETY_ABORT_MS = 700

/**
 * A generator per (request, attempt, side) rather than one shared stream: arrival order varies between runs, and the
 * choices for a request must not depend on it.
 */
function rngFor(id: number, salt: number): () => number {
  const mixed = SEED ^ Math.imul(id + 1, 0x9e3779b1) ^ Math.imul(salt + 7, 0x85ebca6b)
  const random = createRng(mixed)
  random()
  return random
}

const int = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1))
function pick<T>(random: () => number, weighted: Array<[T, number]>): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0)
  let roll = random() * total
  for (const [value, weight] of weighted) {
    roll -= weight
    if (roll < 0) return value
  }
  return (weighted.at(-1) as [T, number])[0]
}

/** Multi-byte characters too, so a length counted in characters instead of bytes shows. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 é✓'
function text(random: () => number, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)]
  return out
}

type Kind = 'length' | 'chunked' | 'split' | 'close' | 'no-answer' | 'reset' | 'cut' | 'hang' | '204' | '1xx'
/** Upstream behaviours after which a client that neither aborted nor cancelled must get the whole answer. */
const ANSWERING = new Set<Kind>(['length', 'chunked', 'split', 'close', '204', '1xx'])

interface Step {
  bytes: Buffer
  delayMs: number
}

interface Plan {
  kind: Kind
  status: number
  /** The body the answer carries (for a reset: the one it would have carried). */
  body: Buffer
  steps: Step[]
  /** After the last write: stay open for more, close (FIN), reset, never answer, or leave closing to the client. */
  after: 'keep' | 'end' | 'terminate' | 'nothing' | 'linger'
  closeDelayMs: number
}

interface Attempt {
  kind: Kind
  /** The connection had answered an earlier request: a close without an answer may be retried. */
  reused: boolean
  body: Buffer
  status: number
  /** The upstream wrote the whole answer. */
  complete: boolean
}

function head(status: number, id: number, attempt: number, headers: string[]): string {
  const reason = status === 204 ? 'No Content' : 'OK'
  return `HTTP/1.1 ${status} ${reason}\r\nx-chaos-id: ${id}\r\nx-chaos-attempt: ${attempt}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`
}

function lengthAnswer(random: () => number, id: number, attempt: number, extra: string[] = []) {
  const body = Buffer.from(JSON.stringify({ id, attempt, pad: text(random, int(random, 0, 3000)) }))
  const top = Buffer.from(
    head(200, id, attempt, ['content-type: application/json', `content-length: ${body.length}`, ...extra]),
  )
  const steps: Step[] =
    random() < 0.5
      ? [{ bytes: Buffer.concat([top, body]), delayMs: 0 }]
      : [
          { bytes: top, delayMs: 0 },
          { bytes: body, delayMs: int(random, 0, 5) },
        ]
  return { body, steps }
}

function chunkedAnswer(random: () => number, id: number, attempt: number) {
  const pieces: Buffer[] = []
  for (let i = int(random, 0, 24); i > 0; i--) {
    pieces.push(Buffer.from(`data: ${JSON.stringify({ id, i, pad: text(random, int(random, 1, 400)) })}\n\n`))
  }
  const frames = pieces.map((piece) => {
    const extension = random() < 0.1 ? ';ext=1' : ''
    return Buffer.concat([
      Buffer.from(`${piece.length.toString(16)}${extension}\r\n`),
      piece,
      Buffer.from('\r\n'),
    ])
  })
  const last = Buffer.from(random() < 0.15 ? '0\r\nx-trailer: t\r\n\r\n' : '0\r\n\r\n')
  const top = Buffer.from(
    head(200, id, attempt, ['content-type: text/event-stream', 'transfer-encoding: chunked']),
  )
  const steps: Step[] = [{ bytes: top, delayMs: 0 }]
  for (const frame of frames) {
    if (random() < 0.3) (steps.at(-1) as Step).bytes = Buffer.concat([(steps.at(-1) as Step).bytes, frame])
    else steps.push({ bytes: frame, delayMs: int(random, 0, 5) })
  }
  steps.push({ bytes: last, delayMs: int(random, 0, 5) })
  return { body: Buffer.concat(pieces), steps }
}

/** No length and no chunks: the body runs until the upstream closes. */
function untilCloseAnswer(random: () => number, id: number, attempt: number) {
  const body = Buffer.from(text(random, int(random, 0, 2000)))
  const top = Buffer.from(head(200, id, attempt, ['connection: close']))
  return { body, steps: [{ bytes: Buffer.concat([top, body]), delayMs: 0 }] }
}

/** The same bytes, cut at random places (inside the head, a chunk-size line or a CRLF as well). */
function resplit(random: () => number, steps: Step[]): Step[] {
  const all = Buffer.concat(steps.map((step) => step.bytes))
  const cuts = new Set<number>()
  for (let i = int(random, 1, 12); i > 0; i--) cuts.add(int(random, 1, all.length - 1))
  const sorted = [...cuts].filter((cut) => cut > 0 && cut < all.length).sort((a, b) => a - b)
  const out: Step[] = []
  let from = 0
  for (const cut of [...sorted, all.length]) {
    out.push({ bytes: all.subarray(from, cut), delayMs: random() < 0.5 ? 0 : int(random, 1, 3) })
    from = cut
  }
  return out
}

function makePlan(id: number, attempt: number, forced?: Kind): Plan {
  const random = rngFor(id, 100 + attempt)
  const kind =
    forced ??
    pick<Kind>(random, [
      ['length', 16],
      ['chunked', 16],
      ['split', 12],
      ['close', 10],
      ['no-answer', 10],
      ['reset', 6],
      ['cut', 6],
      ['hang', 4],
      ['204', 7],
      ['1xx', 10],
    ])
  const framed = () =>
    random() < 0.5 ? lengthAnswer(random, id, attempt) : chunkedAnswer(random, id, attempt)
  const plan = (
    answer: { body: Buffer; steps: Step[] },
    after: Plan['after'] = 'keep',
    status = 200,
  ): Plan => ({
    kind,
    status,
    body: answer.body,
    steps: answer.steps,
    after,
    closeDelayMs: 0,
  })
  switch (kind) {
    case 'length':
      return plan(lengthAnswer(random, id, attempt))
    case 'chunked':
      return plan(chunkedAnswer(random, id, attempt))
    case 'split': {
      const answer = framed()
      return plan({ body: answer.body, steps: resplit(random, answer.steps) })
    }
    case 'close': {
      if (random() < 0.5) {
        // The upstream closes a little later, or not at all: either way the connection must not serve again.
        const closing = plan(
          lengthAnswer(random, id, attempt, ['connection: close']),
          random() < 0.3 ? 'linger' : 'end',
        )
        closing.closeDelayMs = int(random, 0, 30)
        return closing
      }
      const answer = untilCloseAnswer(random, id, attempt)
      return plan({ body: answer.body, steps: resplit(random, answer.steps) }, 'end')
    }
    case 'no-answer':
      return plan({ body: Buffer.alloc(0), steps: [] }, 'end')
    case 'reset':
    case 'cut': {
      // Only a reset tells a body that runs until close apart from a complete one.
      const answer = kind === 'reset' && random() < 0.3 ? untilCloseAnswer(random, id, attempt) : framed()
      const all = Buffer.concat(answer.steps.map((step) => step.bytes))
      // Anything short of the whole answer: a cut head, a cut body, or a chunked body without its last chunk.
      const cut = int(random, 1, all.length - 1)
      const reset = plan({
        body: answer.body,
        steps: resplit(random, [{ bytes: all.subarray(0, cut), delayMs: 0 }]),
      })
      // A reset may drop what was sent; a graceful close (FIN) after part of an answer looks like an end.
      reset.after = kind === 'reset' ? 'terminate' : 'end'
      reset.closeDelayMs = int(random, 0, 10)
      return reset
    }
    case 'hang':
      return plan({ body: Buffer.alloc(0), steps: [] }, 'nothing')
    case '204':
      return plan(
        { body: Buffer.alloc(0), steps: [{ bytes: Buffer.from(head(204, id, attempt, [])), delayMs: 0 }] },
        'keep',
        204,
      )
    case '1xx': {
      const answer = framed()
      const early: Step[] = [{ bytes: Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), delayMs: 0 }]
      if (random() < 0.5)
        early.push({
          bytes: Buffer.from('HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n'),
          delayMs: int(random, 0, 5),
        })
      const steps = [...early, ...answer.steps]
      return plan({ body: answer.body, steps: random() < 0.3 ? resplit(random, steps) : steps })
    }
  }
}

interface UpstreamConnection {
  buffer: string
  served: number
  /** Answering a request: another one arriving now would be pipelining, which the transport never does. */
  busy: boolean
  closed: boolean
}

function chaosUpstream(violations: string[], requestBodies: Map<number, string>) {
  const attempts = new Map<number, Attempt[]>()
  const live = new Set<Bun.Socket<UpstreamConnection>>()

  async function play(socket: Bun.Socket<UpstreamConnection>, plan: Plan, attempt: Attempt): Promise<void> {
    const connection = socket.data
    for (const step of plan.steps) {
      if (step.delayMs > 0) await Bun.sleep(step.delayMs)
      if (connection.closed) return
      const written = socket.write(step.bytes)
      // Answers are small: the kernel takes them whole, so a short write means the harness assumption broke. -1 is
      // a client that left before the close reached us.
      if (written >= 0 && written !== step.bytes.length) {
        violations.push(`upstream: short write ${written}/${step.bytes.length}`)
      }
    }
    if (plan.after === 'keep') {
      attempt.complete = true
      connection.busy = false
    } else if (plan.after === 'linger') {
      attempt.complete = true
    } else if (plan.after === 'end' || plan.after === 'terminate') {
      attempt.complete = plan.kind !== 'no-answer' && plan.kind !== 'cut'
      if (plan.closeDelayMs > 0) await Bun.sleep(plan.closeDelayMs)
      if (connection.closed) return
      if (plan.after === 'end') socket.end()
      else socket.terminate()
    }
  }

  function onRequest(socket: Bun.Socket<UpstreamConnection>, requestHead: string, body: string): void {
    const connection = socket.data
    const id = Number(/\r\nx-chaos-id: (\d+)/.exec(requestHead)?.[1] ?? Number.NaN)
    if (Number.isNaN(id)) {
      violations.push(`upstream: request without id: ${JSON.stringify(requestHead.slice(0, 80))}`)
      socket.terminate()
      return
    }
    if (connection.busy)
      violations.push(`upstream: request ${id} arrived on a connection still answering another`)
    const sent = requestBodies.get(id)
    const received = Buffer.from(body, 'latin1').toString('utf8')
    if (received !== sent) violations.push(`upstream: request ${id} body differs from what the client sent`)
    const forced = /\r\nx-chaos-plan: (\S+)/.exec(requestHead)?.[1] as Kind | undefined
    const list = attempts.get(id) ?? []
    attempts.set(id, list)
    const plan = makePlan(id, list.length, forced)
    const attempt: Attempt = {
      kind: plan.kind,
      reused: connection.served > 0,
      body: plan.body,
      status: plan.status,
      complete: false,
    }
    list.push(attempt)
    connection.served++
    connection.busy = true
    void play(socket, plan, attempt)
  }

  const server = Bun.listen<UpstreamConnection>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        socket.data = { buffer: '', served: 0, busy: false, closed: false }
        live.add(socket)
      },
      data(socket, bytes) {
        const connection = socket.data
        connection.buffer += Buffer.from(bytes).toString('latin1')
        for (;;) {
          const end = connection.buffer.indexOf('\r\n\r\n')
          if (end === -1) return
          const requestHead = connection.buffer.slice(0, end)
          const length = Number(/\r\ncontent-length: (\d+)/i.exec(requestHead)?.[1] ?? 0)
          if (connection.buffer.length < end + 4 + length) return
          const body = connection.buffer.slice(end + 4, end + 4 + length)
          connection.buffer = connection.buffer.slice(end + 4 + length)
          onRequest(socket, requestHead, body)
        }
      },
      close(socket) {
        socket.data.closed = true
        live.delete(socket)
      },
      error(socket) {
        socket.data.closed = true
      },
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, attempts, live, stop: () => server.stop(true) }
}

class ChaosAbort extends Error {
  constructor(readonly why: 'abort' | 'timeout' | 'safety') {
    super(`chaos ${why}`)
  }
}

type ClientMode = 'text' | 'direct' | 'stream' | 'cancel' | 'abort' | 'timeout'
type Reader = 'text' | 'direct' | 'stream'

type Outcome =
  | { kind: 'ok'; status: number; attempt: number; body: Buffer }
  | { kind: 'cancelled'; received: Buffer }
  | { kind: 'error'; error: unknown; received: Buffer; stage: 'request' | 'body' }

test(`http1 transport chaos: ${EXCHANGES} exchanges, ${CONCURRENCY} at a time, seed ${SEED}`, async () => {
  const violations: string[] = []
  // bun test fails the running test on an unhandled rejection or uncaught exception before these listeners see it
  // (the seed is in the test's name for that case); they catch what escapes under other runners.
  const escaped: string[] = []
  const onRejection = (reason: unknown) => escaped.push(`unhandledRejection: ${String(reason)}`)
  const onException = (error: unknown) => escaped.push(`uncaughtException: ${String(error)}`)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)

  const setup = rngFor(0, 1)
  const options = {
    idleTimeoutMs: setup() < 0.3 ? 150 : 4_000,
    maxIdlePerOrigin: setup() < 0.3 ? 4 : 512,
    streamQueueChunks: pick(setup, [
      [1, 1],
      [2, 1],
      [4, 1],
      [16, 1],
    ]),
    discardGraceMs: int(setup, 30, 150),
  }
  const requestBodies = new Map<number, string>()
  const upstream = chaosUpstream(violations, requestBodies)
  const transport = createHttp1Transport(options)
  const counts = new Map<string, number>()
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)
  let earlyAborts = 0
  let retriesFromUnused = 0

  async function exchange(id: number, forced?: Kind): Promise<Outcome> {
    const random = rngFor(id, 1)
    const mode: ClientMode = forced
      ? 'text'
      : pick<ClientMode>(random, [
          ['text', 30],
          ['direct', 25],
          ['stream', 10],
          ['cancel', 15],
          ['abort', 12],
          ['timeout', 8],
        ])
    const reader: Reader =
      mode === 'text' || mode === 'direct' || mode === 'stream'
        ? mode
        : pick<Reader>(random, [
            ['text', mode === 'cancel' ? 0 : 1],
            ['direct', 1],
            ['stream', 1],
          ])
    const cancelAfter = mode === 'cancel' ? int(random, 0, 3) : -1
    // A sink that gives up from inside its own data callback (its downstream write failed, say).
    const abortInData = mode === 'abort' && reader === 'direct' && random() < 0.3
    // A reader that comes late finds pieces queued, and with a small queue a paused socket.
    const readDelayMs = random() < 0.3 ? int(random, 1, 15) : 0
    count(`client ${mode}/${reader}`)
    const controller = new AbortController()
    const abort = (why: ChaosAbort['why']) => controller.abort(new ChaosAbort(why))
    const timers = [setTimeout(() => abort('safety'), SAFETY_ABORT_MS)]
    // -1: as soon as request() returns (before the connection is up); -2: a microtask later.
    const abortAt =
      mode === 'abort'
        ? pick(random, [
            [-1, 1],
            [-2, 1],
            [int(random, 0, 80), 8],
          ])
        : undefined
    if (abortAt !== undefined && abortAt >= 0) timers.push(setTimeout(() => abort('abort'), abortAt))
    if (mode === 'timeout') timers.push(setTimeout(() => abort('timeout'), int(random, 20, 120)))
    const body = JSON.stringify({ id, prompt: text(random, int(random, 0, 1500)) })
    requestBodies.set(id, body)
    const received: Buffer[] = []
    let stage: 'request' | 'body' = 'request'
    try {
      const pending = transport.request(`${upstream.url}/v1/chaos/${id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-chaos-id': String(id),
          ...(forced ? { 'x-chaos-plan': forced } : {}),
        },
        body,
        signal: controller.signal,
      })
      if (abortAt !== undefined && abortAt < 0) earlyAborts++
      if (abortAt === -1) abort('abort')
      if (abortAt === -2) queueMicrotask(() => abort('abort'))
      const response = await pending
      stage = 'body'
      const answeredId = response.headers.get('x-chaos-id')
      if (answeredId !== String(id)) violations.push(`${id}: got the answer of request ${answeredId}`)
      const attempt = Number(response.headers.get('x-chaos-attempt'))
      const ok = () => ({
        kind: 'ok' as const,
        status: response.status,
        attempt,
        body: Buffer.concat(received),
      })
      const cancelled = () => ({ kind: 'cancelled' as const, received: Buffer.concat(received) })
      if (readDelayMs > 0) await Bun.sleep(readDelayMs)
      const direct = reader === 'direct' ? takeDirectBody(response) : undefined
      if (direct !== undefined) {
        let pieces = 0
        const result = await new Promise<'end' | 'cancelled'>((resolve, reject) => {
          let over = false
          const sink: BodySink = {
            data(bytes) {
              if (over) violations.push(`${id}: direct body data after its end, error or cancel (${mode})`)
              // Not copied: a piece must stay intact after the callback (it is a view of a socket read).
              received.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
              pieces++
              if (abortInData && pieces === 2) abort('abort')
              if (pieces === cancelAfter) {
                over = true
                direct.cancel()
                resolve('cancelled')
                return
              }
              if (random() < 0.3) {
                direct.pause()
                setTimeout(() => direct.resume(), int(random, 0, 10))
              }
            },
            end() {
              if (over) violations.push(`${id}: direct body ended after its end, error or cancel`)
              over = true
              resolve('end')
            },
            error(error) {
              if (over) violations.push(`${id}: direct body failed after its end, error or cancel`)
              over = true
              reject(error)
            },
          }
          if (cancelAfter === 0) {
            over = true
            direct.cancel()
            resolve('cancelled')
            return
          }
          direct.start(sink)
        })
        return result === 'end' ? ok() : cancelled()
      }
      if (reader === 'text' || reader === 'direct') {
        received.push(Buffer.from(await response.arrayBuffer()))
        return ok()
      }
      const stream = response.body
      if (stream === null) return ok()
      const streamReader = stream.getReader()
      if (cancelAfter === 0) {
        await streamReader.cancel()
        return cancelled()
      }
      for (let pieces = 1; ; pieces++) {
        const { done, value } = await streamReader.read()
        if (done) return ok()
        received.push(Buffer.from(value))
        if (pieces === cancelAfter) {
          await streamReader.cancel()
          return cancelled()
        }
        if (random() < 0.3) await Bun.sleep(int(random, 0, 8))
      }
    } catch (error) {
      return { kind: 'error', error, received: Buffer.concat(received), stage }
    } finally {
      for (const timer of timers) clearTimeout(timer)
    }
  }

  function judge(id: number, outcome: Outcome | 'hung'): void {
    if (outcome === 'hung') {
      violations.push(`${id}: did not settle within ${EXCHANGE_DEADLINE_MS} ms`)
      return
    }
    const attempts = upstream.attempts.get(id) ?? []
    const last = attempts.at(-1)
    count(`outcome ${outcome.kind} after ${attempts.map((attempt) => attempt.kind).join('>') || 'nothing'}`)
    for (const earlier of attempts.slice(0, -1)) {
      // A connection whose request was aborted before it went out is pooled unused, and counts as reused (it sat
      // idle, where a server may close it): a retry from it is expected, at most once per such abort.
      if (!earlier.reused && earlier.kind === 'no-answer') {
        retriesFromUnused++
        continue
      }
      // A retry is safe only when the upstream cannot have answered (a reset may also drop answered bytes unread).
      if (!earlier.reused || (earlier.kind !== 'no-answer' && earlier.kind !== 'reset')) {
        violations.push(
          `${id}: retried after ${earlier.kind} on a ${earlier.reused ? 'reused' : 'new'} connection`,
        )
      }
    }
    if (outcome.kind === 'ok') {
      if (last === undefined || outcome.attempt !== attempts.length - 1) {
        violations.push(`${id}: answer from attempt ${outcome.attempt} of ${attempts.length}`)
        return
      }
      if (!ANSWERING.has(last.kind) || !last.complete) {
        violations.push(`${id}: reported complete after a ${last.kind} (${outcome.body.length} bytes)`)
      }
      if (outcome.status !== last.status)
        violations.push(`${id}: status ${outcome.status}, sent ${last.status}`)
      if (!outcome.body.equals(last.body)) {
        violations.push(
          `${id}: body of ${outcome.body.length} bytes differs from the ${last.body.length} sent`,
        )
      }
      return
    }
    const received = outcome.received
    if (last !== undefined && !last.body.subarray(0, received.length).equals(received)) {
      violations.push(`${id}: the ${received.length} bytes read are not a prefix of what was sent`)
    }
    if (outcome.kind === 'cancelled') return
    const error = outcome.error
    if (error instanceof ChaosAbort) {
      if (error.why === 'safety' && last?.kind !== 'hang') {
        violations.push(`${id}: stuck at ${outcome.stage} until the safety abort after ${last?.kind}`)
      }
      return
    }
    if (!(error instanceof Error)) violations.push(`${id}: failed with a non-error ${String(error)}`)
    if (last !== undefined && ANSWERING.has(last.kind)) {
      violations.push(`${id}: failed at ${outcome.stage} after ${last.kind}: ${String(error)}`)
    }
    if (last?.kind === 'no-answer' && last.reused && attempts.length === 1) {
      violations.push(`${id}: a reused connection closed without an answer and the request was not retried`)
    }
  }

  const started = performance.now()
  try {
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < EXCHANGES) {
          const id = next++
          const outcome = await Promise.race([
            exchange(id),
            Bun.sleep(EXCHANGE_DEADLINE_MS).then(() => 'hung' as const),
          ])
          judge(id, outcome)
        }
      }),
    )

    if (retriesFromUnused > earlyAborts) {
      violations.push(`${retriesFromUnused} retries from new connections, ${earlyAborts} pooled unused`)
    }

    // Settled: after the discard grace and a close's round trip, no connection may still be busy, and both ends
    // must agree on which are open.
    const consistent = () => {
      const { open, idle } = transport.stats()
      return open === idle && upstream.live.size === open
    }
    for (let i = 0; i < 100 && !consistent(); i++) await Bun.sleep(10)
    const settled = { ...transport.stats(), upstreamOpen: upstream.live.size }
    if (!consistent()) violations.push(`pool not consistent after settling: ${JSON.stringify(settled)}`)

    // Every connection left in the pool must still serve.
    const health = Array.from({ length: transport.stats().idle + 2 }, (_, i) => EXCHANGES + i)
    for (const outcome of await Promise.all(health.map((id) => exchange(id, 'length')))) {
      if (outcome.kind !== 'ok') {
        violations.push(
          `health check failed: ${outcome.kind === 'error' ? String(outcome.error) : outcome.kind}`,
        )
      }
    }
    health.forEach((id, i) => {
      const attempts = upstream.attempts.get(id)
      if (attempts?.length !== 1) violations.push(`health check ${i}: ${attempts?.length ?? 0} attempts`)
    })

    transport.close()
    for (let i = 0; i < 100 && (transport.stats().open > 0 || upstream.live.size > 0); i++)
      await Bun.sleep(10)
    if (transport.stats().open !== 0 || upstream.live.size !== 0) {
      violations.push(
        `after close: ${JSON.stringify({ ...transport.stats(), upstreamOpen: upstream.live.size })} still open`,
      )
    }
    // Rejections are reported a turn after they happen.
    await Bun.sleep(20)
  } finally {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
    transport.close()
    upstream.stop()
  }
  const elapsed = Math.round(performance.now() - started)
  const problems = [...escaped, ...violations]
  if (problems.length > 0 || process.env.CHAOS_VERBOSE) {
    console.error(
      `http1 chaos seed ${SEED} (rerun with CHAOS_SEED=${SEED}), options ${JSON.stringify(options)}, ${elapsed} ms`,
    )
    if (process.env.CHAOS_VERBOSE)
      console.error(
        [...counts]
          .sort()
          .map(([key, n]) => `  ${n} ${key}`)
          .join('\n'),
      )
    for (const problem of problems.slice(0, 20)) console.error(`  ${problem}`)
  }
  expect(problems).toEqual([])
})
