import { describe, expect, test } from 'bun:test'
import type { RequestSpec } from './chat-request.ts'
import { runOpenLoop } from './open-loop.ts'
import type { RequestResult } from './request-result.ts'

const spec: RequestSpec = { url: 'http://fake', headers: {}, body: '', stream: false }

/** A fake clock: sleeping moves time forward instead of waiting. */
function fakeClock() {
  let time = 1000
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms
    },
    sleep: async (ms: number) => {
      time += ms
      await Promise.resolve()
    },
  }
}

const answered = (intendedMs: number, at: number, latencyMs: number): RequestResult => ({
  intendedMs,
  sentMs: at,
  endMs: at + latencyMs,
  status: 200,
  gapsMs: [],
  completionTokens: 1,
})

describe('runOpenLoop', () => {
  test('sends at the scheduled times and measures from them', async () => {
    const clock = fakeClock()
    const intended: number[] = []
    const indexes: number[] = []
    const report = await runOpenLoop({
      ratePerS: 100,
      durationMs: 100,
      requests: (index) => {
        indexes.push(index)
        return spec
      },
      now: clock.now,
      sleep: clock.sleep,
      send: async (_spec, { intendedMs }) => {
        intended.push(intendedMs)
        return answered(intendedMs, clock.now(), 3)
      },
    })
    expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(intended).toEqual([1000, 1010, 1020, 1030, 1040, 1050, 1060, 1070, 1080, 1090])
    expect(report.requests).toBe(10)
    expect(report.e2eMs.p50).toBe(3)
    expect(report.durationS).toBeCloseTo(0.093, 6)
  })

  test('a client that wakes late sends the overdue arrivals at once and charges their lateness', async () => {
    const clock = fakeClock()
    const lags: number[] = []
    await runOpenLoop({
      ratePerS: 1000,
      maxRequests: 5,
      requests: () => spec,
      now: clock.now,
      sleep: async (ms) => clock.sleep(ms + 3),
      send: async (_spec, { intendedMs }) => {
        lags.push(clock.now() - intendedMs)
        return answered(intendedMs, clock.now(), 0)
      },
    })
    expect(lags).toEqual([0, 3, 2, 1, 0])
  })

  test('arrivals beyond maxInFlight are dropped and reported, not delayed', async () => {
    const clock = fakeClock()
    const release: Array<() => void> = []
    const report = await runOpenLoop({
      ratePerS: 1000,
      maxRequests: 10,
      maxInFlight: 3,
      requests: () => spec,
      now: clock.now,
      sleep: async (ms) => {
        await clock.sleep(ms)
        // Release everything once the schedule is through, so the run can end.
        if (clock.now() >= 1009) for (const done of release.splice(0)) done()
      },
      send: (_spec, { intendedMs }) =>
        new Promise((resolve) => {
          const done = () => resolve(answered(intendedMs, intendedMs, 1))
          if (clock.now() >= 1009) done()
          else release.push(done)
        }),
    })
    expect(report.requests).toBe(10)
    expect(report.errors.byKind.dropped).toBe(6)
    expect(report.ok).toBe(4)
  })

  test('stops scheduling when the signal aborts', async () => {
    const clock = fakeClock()
    const controller = new AbortController()
    let sent = 0
    const report = await runOpenLoop({
      ratePerS: 1000,
      durationMs: 10_000,
      requests: () => spec,
      now: clock.now,
      sleep: clock.sleep,
      signal: controller.signal,
      send: async (_spec, { intendedMs }) => {
        sent += 1
        if (sent === 4) controller.abort()
        return answered(intendedMs, clock.now(), 0)
      },
    })
    expect(report.requests).toBe(4)
  })
})
