import { describe, expect, test } from 'bun:test'
import { createRecorder } from './recorder.ts'
import type { RequestResult } from './request-result.ts'

const okResult = (overrides: Partial<RequestResult> = {}): RequestResult => ({
  intendedMs: 100,
  sentMs: 100,
  endMs: 110,
  status: 200,
  gapsMs: [],
  completionTokens: 5,
  ...overrides,
})

describe('createRecorder', () => {
  test('measures latency from the intended send time, not the actual one', () => {
    const recorder = createRecorder()
    recorder.record(okResult({ intendedMs: 100, sentMs: 130, endMs: 140 }))
    const report = recorder.report(1000)
    expect(report.e2eMs.p50).toBe(40)
    expect(report.sendLagMs.max).toBe(30)
  })

  test('collects streaming timings and token throughput', () => {
    const recorder = createRecorder()
    recorder.record(okResult({ firstChunkMs: 101, firstTokenMs: 102, gapsMs: [1, 2], completionTokens: 3 }))
    recorder.record(okResult({ firstChunkMs: 103, firstTokenMs: 105, gapsMs: [4], completionTokens: 2 }))
    const report = recorder.report(2000)
    expect(report.firstChunkMs).toMatchObject({ count: 2, min: 1, max: 3 })
    expect(report.ttftMs).toMatchObject({ count: 2, min: 2, max: 5 })
    expect(report.itlMs).toMatchObject({ count: 3, max: 4 })
    expect(report.requestsPerS).toBe(1)
    expect(report.tokensPerS).toBe(2.5)
  })

  test('breaks errors down by kind and status and keeps them out of the latency figures', () => {
    const recorder = createRecorder()
    recorder.record(okResult())
    recorder.record(okResult({ status: 503, endMs: 900, error: { kind: 'http', message: 'HTTP 503' } }))
    recorder.record(okResult({ status: 503, error: { kind: 'http', message: 'HTTP 503' } }))
    recorder.record(okResult({ status: 0, error: { kind: 'connect', message: 'refused' } }))
    recorder.record(
      okResult({ status: 200, completionTokens: 2, error: { kind: 'truncated', message: 'cut' } }),
    )
    const report = recorder.report(1000)
    expect(report.requests).toBe(5)
    expect(report.ok).toBe(1)
    expect(report.e2eMs.count).toBe(1)
    expect(report.e2eMs.max).toBe(10)
    expect(report.errors.total).toBe(4)
    expect(report.errors.byKind).toMatchObject({
      http: 2,
      connect: 1,
      truncated: 1,
      timeout: 0,
      inband_error: 0,
    })
    expect(report.errors.byStatus).toEqual({ '503': 2, '200': 1 })
    expect(report.errors.samples).toEqual(['http: HTTP 503', 'connect: refused', 'truncated: cut'])
    expect(report.completionTokens).toBe(5 * 4 + 2)
  })

  test('progress counts in-flight requests, and dropped arrivals were never in flight', () => {
    const recorder = createRecorder()
    recorder.started()
    recorder.started()
    recorder.record(okResult())
    recorder.record(okResult({ status: 0, error: { kind: 'dropped', message: 'backlog full' } }))
    expect(recorder.progress()).toEqual({
      started: 2,
      completed: 2,
      ok: 1,
      errors: 1,
      inFlight: 1,
      completionTokens: 10,
    })
  })

  test('a zero-length run reports zero rates rather than Infinity', () => {
    const report = createRecorder().report(0)
    expect(report.requestsPerS).toBe(0)
    expect(report.tokensPerS).toBe(0)
    expect(report.e2eMs.count).toBe(0)
  })
})
