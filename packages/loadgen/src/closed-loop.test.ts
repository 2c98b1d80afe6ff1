import { describe, expect, test } from 'bun:test'
import type { RequestSpec } from './chat-request.ts'
import { runClosedLoop } from './closed-loop.ts'
import type { RequestResult } from './request-result.ts'

const spec: RequestSpec = { url: 'http://fake', headers: {}, body: '', stream: false }

function fakeServer(latencyMs: number) {
  let time = 0
  let inFlight = 0
  let peak = 0
  return {
    now: () => time,
    peak: () => peak,
    send: async (_spec: RequestSpec, { intendedMs }: { intendedMs: number }): Promise<RequestResult> => {
      inFlight += 1
      peak = Math.max(peak, inFlight)
      await Promise.resolve()
      time += latencyMs
      inFlight -= 1
      return { intendedMs, sentMs: intendedMs, endMs: time, status: 200, gapsMs: [], completionTokens: 2 }
    },
  }
}

describe('runClosedLoop', () => {
  test('keeps exactly `concurrency` requests in flight and stops at the count', async () => {
    const server = fakeServer(1)
    const seen: number[] = []
    const report = await runClosedLoop({
      concurrency: 4,
      maxRequests: 20,
      requests: (index) => {
        seen.push(index)
        return spec
      },
      now: server.now,
      send: server.send,
      onResult: (_result, completed) => seen.length >= completed || seen.push(-1),
    })
    expect(server.peak()).toBe(4)
    expect(report.requests).toBe(20)
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(report.completionTokens).toBe(40)
  })

  test('stops starting requests at the duration', async () => {
    const server = fakeServer(10)
    const report = await runClosedLoop({ concurrency: 1, durationMs: 50, requests: () => spec, ...server })
    expect(report.requests).toBe(5)
    expect(report.durationS).toBeCloseTo(0.05, 6)
    expect(report.requestsPerS).toBeCloseTo(100, 6)
  })

  test('rejects a bad concurrency and an unbounded run', async () => {
    const server = fakeServer(1)
    await expect(
      runClosedLoop({ concurrency: 0, maxRequests: 1, requests: () => spec, ...server }),
    ).rejects.toThrow('concurrency')
    await expect(
      runClosedLoop({ concurrency: 1.5, maxRequests: 1, requests: () => spec, ...server }),
    ).rejects.toThrow('concurrency')
    await expect(runClosedLoop({ concurrency: 1, requests: () => spec, ...server })).rejects.toThrow(
      'duration',
    )
  })
})
