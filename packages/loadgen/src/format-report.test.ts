import { describe, expect, test } from 'bun:test'
import { formatProgress, formatReport } from './format-report.ts'
import { createRecorder } from './recorder.ts'

describe('formatProgress', () => {
  test('shows elapsed time, counts and the success rate so far', () => {
    const line = formatProgress(
      { started: 12, completed: 10, ok: 9, errors: 1, inFlight: 2, completionTokens: 0 },
      3000,
      30_000,
    )
    expect(line).toBe('3.0/30s  sent 12  done 10  ok 9  err 1  in-flight 2  3 req/s')
    expect(
      formatProgress(
        { started: 0, completed: 0, ok: 0, errors: 0, inFlight: 0, completionTokens: 0 },
        0,
        1000,
      ),
    ).toContain('0.0/1s  sent 0')
    expect(
      formatProgress(
        { started: 0, completed: 0, ok: 0, errors: 0, inFlight: 0, completionTokens: 0 },
        0,
        2500,
      ),
    ).toContain('0.0/2.5s')
  })
})

describe('formatReport', () => {
  test('prints the streaming rows, throughput and the error breakdown with examples', () => {
    const recorder = createRecorder()
    recorder.record({
      intendedMs: 0,
      sentMs: 0,
      endMs: 50,
      status: 200,
      firstChunkMs: 4,
      firstTokenMs: 5,
      gapsMs: [2],
      completionTokens: 10,
    })
    recorder.record({
      intendedMs: 0,
      sentMs: 0,
      endMs: 1,
      status: 503,
      error: { kind: 'http', message: 'HTTP 503' },
      gapsMs: [],
      completionTokens: 0,
    })
    const text = formatReport(recorder.report(1000))
    expect(text).toContain('requests 2  ok 1  errors 1  in 1.00 s')
    expect(text).toContain('throughput 1.0 req/s  10.0 tokens/s')
    expect(text).toMatch(/TTFT\s+5\.00\s+5\.00\s+5\.00\s+5\.00\s+1/)
    expect(text).toMatch(/ITL\s+2\.00/)
    expect(text).toMatch(/E2E\s+50\.0/)
    expect(text).toContain('errors: 1 (http 1)  by status: 503: 1')
    expect(text).toContain('  e.g. http: HTTP 503')
  })

  test('leaves out streaming rows for a non-streaming run and says when there were no errors', () => {
    const recorder = createRecorder()
    recorder.record({ intendedMs: 0, sentMs: 0, endMs: 2, status: 200, gapsMs: [], completionTokens: 1 })
    const text = formatReport(recorder.report(1000))
    expect(text).not.toContain('TTFT')
    expect(text).toContain('errors: none')
  })

  test('shows "-" for figures without samples', () => {
    const recorder = createRecorder()
    recorder.record({
      intendedMs: 0,
      sentMs: 0,
      endMs: 2,
      status: 0,
      error: { kind: 'connect', message: 'refused' },
      gapsMs: [],
      completionTokens: 0,
    })
    const text = formatReport(recorder.report(1000))
    expect(text).toMatch(/E2E\s+-\s+-\s+-\s+-\s+0/)
    expect(text).toContain('errors: 1 (connect 1)\n')
  })
})
