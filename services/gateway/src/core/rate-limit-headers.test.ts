import { describe, expect, test } from 'bun:test'
import { gcraTest, perMinute, perSecond } from './gcra.ts'
import {
  allAdmitted,
  formatResetDuration,
  rateLimitHeaders,
  retryAfterHeaders,
} from './rate-limit-headers.ts'

describe('formatResetDuration', () => {
  test('writes durations the way OpenAI does', () => {
    expect(formatResetDuration(0)).toBe('0ms')
    expect(formatResetDuration(19_200)).toBe('20ms')
    expect(formatResetDuration(1_000_000)).toBe('1s')
    expect(formatResetDuration(1_500_000)).toBe('1.5s')
    expect(formatResetDuration(360_000_000)).toBe('6m0s')
    expect(formatResetDuration(3_723_250_000)).toBe('1h2m3.25s')
    expect(formatResetDuration(-5)).toBe('0ms')
  })
})

describe('retryAfterHeaders', () => {
  test('rounds up to whole seconds and never says 0', () => {
    expect(retryAfterHeaders(1)).toEqual({ 'retry-after': '1', 'retry-after-ms': '1' })
    expect(retryAfterHeaders(1001)).toEqual({ 'retry-after': '2', 'retry-after-ms': '1001' })
    expect(retryAfterHeaders(0)).toEqual({ 'retry-after': '1', 'retry-after-ms': '1' })
  })
})

describe('rateLimitHeaders', () => {
  test('an admitted request carries limit, remaining and reset for requests and tokens, no Retry-After', () => {
    const requests = gcraTest(perMinute(60), undefined, 0)
    const tokens = gcraTest(perMinute(1000), undefined, 0, 100)
    const headers = rateLimitHeaders({ requests, tokens })
    expect(headers).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '900',
      'x-ratelimit-reset-tokens': '6s',
    })
    expect(allAdmitted({ requests, tokens })).toBe(true)
  })

  test('Retry-After is the longest wait among all denials, including per-IP ones', () => {
    const ip = perSecond(1, 1)
    const first = gcraTest(ip, undefined, 0)
    const ipDenied = gcraTest(ip, first.tat, 0)
    const rpm = perMinute(1, 1)
    const one = gcraTest(rpm, undefined, 0)
    const rpmDenied = gcraTest(rpm, one.tat, 0)
    expect(rateLimitHeaders({ others: [ipDenied] })).toEqual({ 'retry-after': '1', 'retry-after-ms': '1000' })
    const both = rateLimitHeaders({ requests: rpmDenied, others: [ipDenied] })
    expect(both['retry-after']).toBe('60')
    expect(both['x-ratelimit-remaining-requests']).toBe('0')
    expect(allAdmitted({ requests: rpmDenied })).toBe(false)
  })

  test('a request too large to ever fit gets no Retry-After', () => {
    const tokens = gcraTest(perMinute(100), undefined, 0, 500)
    const headers = rateLimitHeaders({ tokens })
    expect(headers['retry-after']).toBeUndefined()
    expect(headers['x-ratelimit-limit-tokens']).toBe('100')
  })
})
