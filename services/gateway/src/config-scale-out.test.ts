import { describe, expect, test } from 'bun:test'
import { ConfigError } from '@infergate/config'
import { loadConfig } from './config.ts'

const base = { GATEWAY_API_KEYS: 'k1' }

describe('scale-out configuration', () => {
  test('defaults: one worker, no Redis, SQLite, fail open', () => {
    expect(loadConfig(base, 8)).toMatchObject({
      workers: 1,
      redis: undefined,
      databaseUrl: undefined,
      limiterFailMode: 'open',
    })
  })

  test('reads Redis, PostgreSQL, fail mode and worker count', () => {
    const config = loadConfig(
      {
        ...base,
        REDIS_URL: 'redis://:pw@127.0.0.1:6390/0',
        REDIS_TIMEOUT_MS: '40',
        REDIS_PROBE_MS: '250',
        LIMITER_FAIL_MODE: 'closed',
        DATABASE_URL: 'postgres://gw:pw@db:5432/infergate',
        GATEWAY_WORKERS: '3',
      },
      8,
    )
    expect(config).toMatchObject({
      redis: { url: 'redis://:pw@127.0.0.1:6390/0', timeoutMs: 40, probeMs: 250 },
      limiterFailMode: 'closed',
      databaseUrl: 'postgres://gw:pw@db:5432/infergate',
      workers: 3,
    })
  })

  test('GATEWAY_WORKERS=auto means every available core', () => {
    expect(loadConfig({ ...base, GATEWAY_WORKERS: 'auto' }, 6).workers).toBe(6)
    expect(loadConfig({ ...base, GATEWAY_WORKERS: 'auto' }, 0).workers).toBe(1)
  })

  test('bad values are all listed at once, without echoing URLs that may hold passwords', () => {
    let error: unknown
    try {
      loadConfig({
        ...base,
        GATEWAY_WORKERS: '0',
        REDIS_URL: 'http://user:topsecret@redis',
        DATABASE_URL: 'mysql://user:topsecret@db/x',
        LIMITER_FAIL_MODE: 'sometimes',
        REDIS_TIMEOUT_MS: '0',
      })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = String((error as Error).message)
    for (const name of [
      'GATEWAY_WORKERS',
      'REDIS_URL',
      'DATABASE_URL',
      'LIMITER_FAIL_MODE',
      'REDIS_TIMEOUT_MS',
    ])
      expect(message).toContain(name)
    expect(message).not.toContain('topsecret')
    expect(() => loadConfig({ ...base, GATEWAY_WORKERS: 'two' })).toThrow('GATEWAY_WORKERS')
    expect(() => loadConfig({ ...base, REDIS_URL: 'not a url' })).toThrow('REDIS_URL')
  })
})
