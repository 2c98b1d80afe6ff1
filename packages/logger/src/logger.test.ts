import { describe, expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { createLogger, REDACTED, redactSecret, redactUrl } from './index.ts'

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
