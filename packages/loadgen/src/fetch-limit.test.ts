import { describe, expect, test } from 'bun:test'
import { fetchLimitEnv } from './fetch-limit.ts'

describe('fetchLimitEnv', () => {
  test('asks for a higher limit when more requests must be in flight than Bun allows by default', () => {
    expect(fetchLimitEnv({}, 400)).toEqual({ BUN_CONFIG_MAX_HTTP_REQUESTS: '4096' })
    expect(fetchLimitEnv({}, 10_000)).toEqual({ BUN_CONFIG_MAX_HTTP_REQUESTS: '10000' })
    expect(fetchLimitEnv({ BUN_CONFIG_MAX_HTTP_REQUESTS: '300' }, 400)).toEqual({
      BUN_CONFIG_MAX_HTTP_REQUESTS: '4096',
    })
  })

  test('leaves the process alone when its limit is enough, and ignores a malformed value', () => {
    expect(fetchLimitEnv({}, 256)).toBeUndefined()
    expect(fetchLimitEnv({ BUN_CONFIG_MAX_HTTP_REQUESTS: '5000' }, 400)).toBeUndefined()
    expect(fetchLimitEnv({ BUN_CONFIG_MAX_HTTP_REQUESTS: 'lots' }, 100)).toBeUndefined()
    expect(fetchLimitEnv({ BUN_CONFIG_MAX_HTTP_REQUESTS: 'lots' }, 300)).toEqual({
      BUN_CONFIG_MAX_HTTP_REQUESTS: '4096',
    })
  })
})
