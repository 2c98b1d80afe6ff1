import { describe, expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { createLogger, logRecord, REDACTED, redactSecret, redactUrl } from './index.ts'

function capture() {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { lines, destination }
}

describe('createLogger', () => {
  test('writes one JSON object per line with service, level name and ISO time', () => {
    const { lines, destination } = capture()
    createLogger({ service: 'gateway', destination }).info({ requestId: 'r1' }, 'hello')
    expect(lines).toHaveLength(1)
    const line = lines[0] ?? {}
    expect(line.service).toBe('gateway')
    expect(line.level).toBe('info')
    expect(line.msg).toBe('hello')
    expect(line.requestId).toBe('r1')
    expect(typeof line.time === 'string' && !Number.isNaN(Date.parse(line.time))).toBe(true)
  })

  test('redacts credentials wherever a request or config carries them', () => {
    const { lines, destination } = capture()
    const log = createLogger({ service: 'gateway', destination })
    log.info({
      headers: { authorization: 'Bearer sk-live-123', 'x-api-key': 'sk-live-456', accept: 'json' },
      config: { VLLM_API_KEY: 'up-secret', GATEWAY_API_KEYS: 'a,b', PORT: 8080 },
      upstream: { apiKey: 'k' },
    })
    const text = JSON.stringify(lines)
    for (const secret of ['sk-live-123', 'sk-live-456', 'up-secret', '"a,b"', '"k"'])
      expect(text).not.toContain(secret)
    const line = lines[0] as { headers: Record<string, string>; config: Record<string, unknown> }
    expect(line.headers.authorization).toBe(REDACTED)
    expect(line.headers.accept).toBe('json')
    expect(line.config.PORT).toBe(8080)
  })

  test('redacts at depth, leaves the object the caller passed untouched, and keeps errors serialised', () => {
    const { lines, destination } = capture()
    const log = createLogger({ service: 'gateway', destination })
    const object = {
      req: { headers: { Authorization: 'Bearer deep-secret' } },
      err: new Error('boom'),
      list: ['token'],
    }
    log.info(object)
    expect(JSON.stringify(lines)).not.toContain('deep-secret')
    expect(object.req.headers.Authorization).toBe('Bearer deep-secret')
    const line = lines[0] as { err: { message: string }; list: string[] }
    expect(line.err.message).toBe('boom')
    expect(line.list).toEqual(['token'])
  })

  test('honours the level and extra redaction field names', () => {
    const { lines, destination } = capture()
    const log = createLogger({ service: 's', level: 'warn', destination, redact: ['field'] })
    log.info('dropped')
    log.warn({ custom: { field: 'hidden' } }, 'kept')
    expect(lines).toHaveLength(1)
    expect((lines[0] as { custom: { field: string } }).custom.field).toBe(REDACTED)
  })
})

describe('logRecord', () => {
  const fields = {
    requestId: 'r1',
    status: 200,
    durationMs: 1.25,
    ttftMs: undefined,
    route: 'a "quoted" \\ route\n',
  }

  test('writes the line log.info would write, field for field', () => {
    const fast = capture()
    const slow = capture()
    logRecord(createLogger({ service: 'gateway', destination: fast.destination }), fields, 'request')
    createLogger({ service: 'gateway', destination: slow.destination }).info(fields, 'request')
    expect(fast.lines).toHaveLength(1)
    const { time: fastTime, ...fastLine } = fast.lines[0] ?? {}
    const { time: slowTime, ...slowLine } = slow.lines[0] ?? {}
    expect(fastLine).toEqual(slowLine)
    expect(Object.keys(fast.lines[0] ?? {})).toEqual(Object.keys(slow.lines[0] ?? {}))
    expect(Number.isNaN(Date.parse(String(fastTime)))).toBe(false)
    expect(Math.abs(Date.parse(String(fastTime)) - Date.parse(String(slowTime)))).toBeLessThan(5_000)
  })

  test('redacts secret fields, writes a line with no fields, and honours the level', () => {
    const { lines, destination } = capture()
    logRecord(createLogger({ service: 's', destination }), { apiKey: 'sk-secret', model: 'm' }, 'x')
    logRecord(createLogger({ service: 's', destination }), {}, 'empty')
    logRecord(createLogger({ service: 's', level: 'warn', destination }), { model: 'm' }, 'dropped')
    expect(JSON.stringify(lines)).not.toContain('sk-secret')
    expect(lines[0]).toMatchObject({ apiKey: REDACTED, model: 'm', msg: 'x' })
    expect(lines[1]).toMatchObject({ level: 'info', service: 's', msg: 'empty' })
    expect(lines).toHaveLength(2)
  })

  test("a child logger takes pino's path and keeps its bindings", () => {
    const { lines, destination } = capture()
    logRecord(createLogger({ service: 's', destination }).child({ worker: 2 }), { model: 'm' }, 'x')
    expect(lines[0]).toMatchObject({ service: 's', worker: 2, model: 'm', msg: 'x' })
  })
})

describe('stdout', () => {
  const script = (body: string) =>
    Bun.spawn(
      [
        process.execPath,
        '-e',
        `const { createLogger, flushLogger, logRecord } = await import(${JSON.stringify(`${import.meta.dir}/index.ts`)}); ${body}`,
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    )

  test('lines reach stdout within the flush interval while the process runs', async () => {
    const child = script(
      "const log = createLogger({ service: 's' }); log.info('first'); await Bun.sleep(30_000)",
    )
    const reader = child.stdout.getReader()
    const started = performance.now()
    const { value } = await reader.read()
    const waited = performance.now() - started
    child.kill()
    expect(JSON.parse(new TextDecoder().decode(value))).toMatchObject({ msg: 'first', service: 's' })
    expect(waited).toBeLessThan(2_000)
  })

  test('every buffered line is written when the process exits', async () => {
    const child = script(
      "const log = createLogger({ service: 's' }); for (let i = 0; i < 500; i++) logRecord(log, { i }, 'line'); process.exit(0)",
    )
    const text = await new Response(child.stdout).text()
    expect(await child.exited).toBe(0)
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { i: number })
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  test('flushLogger writes out at once what a SIGKILL would otherwise lose', async () => {
    const child = script(
      "const log = createLogger({ service: 's' }); log.info('kept'); flushLogger(log); log.info('lost'); process.kill(process.pid, 'SIGKILL')",
    )
    const text = await new Response(child.stdout).text()
    await child.exited
    expect(
      text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { msg: string }).msg),
    ).toEqual(['kept'])
  })
})

describe('stdout shared by worker threads', () => {
  const fixture = `${import.meta.dir}/threads.fixture.ts`
  const run = async () => {
    const writer = `${process.execPath} ${fixture} write 4 5000`
    const child = Bun.spawn(['sh', '-c', `${writer} | ${process.execPath} ${fixture} read`], {
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await child.exited).toBe(0)
    return JSON.parse(await new Response(child.stdout).text()) as { good: number; bad: number }
  }

  test('worker threads write line by line: every line arrives whole through a slowly drained pipe', async () => {
    // With 8 KiB batches per thread (the main thread's default) this same run tore hundreds of lines.
    expect(await run()).toEqual({ good: 20_000, bad: 0 })
  }, 30_000)
})

describe('redaction helpers', () => {
  test('redactSecret hides every character and keeps absence visible', () => {
    expect(redactSecret('sk-abcdef')).toBe(REDACTED)
    expect(redactSecret('')).toBeUndefined()
    expect(redactSecret(undefined)).toBeUndefined()
  })

  test('redactUrl drops passwords and secret query parameters but keeps the rest', () => {
    expect(redactUrl('postgres://user:pw@db:5432/app')).toBe(
      `postgres://user:${encodeURIComponent(REDACTED)}@db:5432/app`,
    )
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
    expect(redactUrl('http://h/x?api_key=1&q=2')).toContain('q=2')
    expect(redactUrl('http://h/x?api_key=1&q=2')).not.toContain('api_key=1')
    expect(redactUrl('::not a url')).toBe(REDACTED)
  })
})
