import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { RequestSpec } from '../src/chat-request.ts'
import { runClosedLoop } from '../src/closed-loop.ts'
import { runOpenLoop } from '../src/open-loop.ts'
import { type Fixture, startFixture } from './fixture-server.ts'

let fixture: Fixture
beforeAll(() => {
  fixture = startFixture()
})
afterAll(() => fixture.stop())

const requestFor =
  (modes: string[], stream: boolean) =>
  (index: number): RequestSpec => ({
    url: `${fixture.url}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', 'x-fixture': modes[index % modes.length] ?? 'json' },
    body: '{}',
    stream,
  })

describe('drivers against a live server', () => {
  test('the open loop sends the scheduled count over real sockets', async () => {
    const before = fixture.count()
    const report = await runOpenLoop({
      ratePerS: 200,
      durationMs: 250,
      requests: requestFor(['json'], false),
    })
    expect(report.requests).toBe(50)
    expect(report.ok).toBe(50)
    expect(fixture.count() - before).toBe(50)
    expect(report.e2eMs.count).toBe(50)
    expect(report.completionTokens).toBe(200)
    expect(report.durationS).toBeGreaterThanOrEqual(0.245)
  })

  test('the closed loop streams with N workers and accounts every failure by kind and status', async () => {
    const modes = ['stream', 'status', 'inband', 'truncate']
    const report = await runClosedLoop({ concurrency: 4, maxRequests: 40, requests: requestFor(modes, true) })
    expect(report.requests).toBe(40)
    expect(report.ok).toBe(10)
    expect(report.errors.byKind).toMatchObject({ http: 10, inband_error: 10, truncated: 10 })
    expect(report.errors.byStatus).toEqual({ '503': 10, '200': 20 })
    expect(report.ttftMs.count).toBe(10)
    expect(report.firstChunkMs.count).toBe(10)
    expect(report.itlMs.count).toBe(20)
    expect(report.itlMs.min).toBeGreaterThan(1)
  })

  test('a timeout bounds a run against a server that never answers', async () => {
    const report = await runClosedLoop({
      concurrency: 2,
      maxRequests: 2,
      timeoutMs: 50,
      requests: requestFor(['hang'], false),
    })
    expect(report.errors.byKind.timeout).toBe(2)
  })
})
