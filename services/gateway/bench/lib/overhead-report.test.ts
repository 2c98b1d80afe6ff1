import { describe, expect, test } from 'bun:test'
import { evaluate, renderMarkdown, type TargetMeasurement } from './overhead-report.ts'

const point = (p50: number, p99: number, errors = 0) => ({ p50, p99, requests: 1000, errors })

const measurement = (
  name: TargetMeasurement['name'],
  shift: number,
  extra: Partial<TargetMeasurement> = {},
): TargetMeasurement => ({
  name,
  label: name,
  rates: { '500': point(0.5 + shift, 2 + shift * 4), '2000': point(0.6 + shift, 3 + shift * 4) },
  maxThroughput: { requestsPerS: 20_000 / (1 + shift * 10), requests: 100_000, errors: 0, tool: 'wrk' },
  stream: {
    firstChunkP50: 1 + shift,
    gapP99: 21 + shift,
    requests: 800,
    errors: 0,
    peakRssMb: 50 + shift * 100,
  },
  ...extra,
})

const RATES = [500, 2000]

describe('evaluate', () => {
  test('compares the gateway with the bare proxy after subtracting direct-to-sim', () => {
    const all = [
      measurement('direct', 0),
      measurement('bare', 0.1),
      measurement('gateway', 0.14, {
        rssGrowth: { requests: 100_000, errors: 0, startMb: 60, midMb: 80, endMb: 82 },
      }),
    ]
    const checks = evaluate(all, RATES)
    const byName = Object.fromEntries(checks.map((check) => [check.name, check]))
    expect(byName['added p50 at 500 req/s']).toMatchObject({ comparison: '1.40×', met: true, target: '≤ 2×' })
    expect(byName['added p99 at 500 req/s']).toMatchObject({
      comparison: '1.40×',
      met: true,
      target: '≤ 1.5×',
    })
    expect(byName['added p99 at 2000 req/s']?.met).toBe(true)
    expect(byName['max throughput (64 conns)']).toMatchObject({
      comparison: '0.83×',
      met: true,
      target: '≥ 0.6×',
    })
    expect(byName['stream: added time to first chunk p50']).toMatchObject({ comparison: '1.40×', met: true })
    expect(byName['stream: inter-chunk gap p99']).toMatchObject({ comparison: '+0.04 ms', met: true })
    expect(byName['stream: peak RSS']).toMatchObject({ comparison: '1.07×', met: true })
    expect(byName['RSS across 100000 requests (start/mid/end)']).toMatchObject({
      comparison: '+2.5% mid→end',
      met: true,
    })
  })

  test('fails targets that are missed and uses the floor when the bare proxy adds nothing', () => {
    const all = [
      measurement('direct', 0),
      measurement('bare', 0, {
        stream: { firstChunkP50: 1, gapP99: 21, requests: 800, errors: 0, peakRssMb: 40 },
      }),
      measurement('gateway', 0.5, {
        rssGrowth: { requests: 100_000, errors: 0, startMb: 60, midMb: 80, endMb: 100 },
      }),
    ]
    const byName = Object.fromEntries(evaluate(all, RATES).map((check) => [check.name, check]))
    expect(byName['added p50 at 500 req/s']).toMatchObject({ comparison: '10.00×', met: false })
    expect(byName['max throughput (64 conns)']?.met).toBe(false)
    expect(byName['stream: inter-chunk gap p99']?.met).toBe(true)
    expect(byName['stream: peak RSS']?.met).toBe(false)
    expect(byName['RSS across 100000 requests (start/mid/end)']?.met).toBe(false)
  })

  test('a gateway that did not start or collapsed is "not measured", never a pass', () => {
    const failed = evaluate(
      [
        measurement('direct', 0),
        measurement('bare', 0.1),
        { name: 'gateway', label: 'gateway', failure: 'exit 1' },
      ],
      RATES,
    )
    expect(failed.every((check) => check.met === undefined)).toBe(true)
    const collapsedAt2000 = measurement('gateway', 0.1, {
      rates: { '500': point(0.6, 2.4), '2000': point(900, 5000, 400) },
    })
    const checks = evaluate([measurement('direct', 0), measurement('bare', 0.1), collapsedAt2000], RATES)
    expect(checks.find((check) => check.name === 'added p50 at 2000 req/s')?.met).toBeUndefined()
    expect(checks.find((check) => check.name === 'added p50 at 500 req/s')?.met).toBe(true)
  })
})

describe('noise', () => {
  test('added latencies at or below zero on both sides count as equal, not as a huge or negative ratio', () => {
    const all = [
      measurement('direct', 0.3),
      measurement('bare', 0.1),
      measurement('gateway', 0.2, { rates: { '500': point(0.65, 2.6), '2000': point(0.9, 8) } }),
    ]
    const byName = Object.fromEntries(evaluate(all, RATES).map((check) => [check.name, check]))
    expect(byName['added p99 at 500 req/s']).toMatchObject({ comparison: '1.00×', met: true })
    expect(byName['added p50 at 2000 req/s']).toMatchObject({ comparison: '1.00×', met: true })
    expect(byName['added p99 at 2000 req/s']).toMatchObject({ comparison: '76.00×', met: false })
  })
})

describe('failed phases', () => {
  test('throughput or streams with mostly failed requests are "not measured", never a pass or a fail', () => {
    const gateway = measurement('gateway', 0.1, {
      maxThroughput: { requestsPerS: 9000, requests: 18_000, errors: 7000, tool: 'wrk' },
      stream: { firstChunkP50: Number.NaN, gapP99: Number.NaN, requests: 100, errors: 100, peakRssMb: 80 },
      rssGrowth: { requests: 1000, errors: 1000, startMb: 80, midMb: 80, endMb: 80 },
    })
    const checks = evaluate([measurement('direct', 0), measurement('bare', 0.1), gateway], RATES)
    for (const name of [
      'max throughput (64 conns)',
      'stream: added time to first chunk p50',
      'stream: inter-chunk gap p99',
      'stream: peak RSS',
      'RSS across 1000 requests (start/mid/end)',
    ]) {
      expect(checks.find((check) => check.name === name)?.met).toBeUndefined()
    }
  })
})

describe('renderMarkdown', () => {
  test('shows absolute figures with the added latency, failures, collapse marks and the checks', () => {
    const all = [
      measurement('direct', 0),
      measurement('bare', 0.1),
      measurement('nginx', 0.05),
      measurement('gateway', 0.1, { rates: { '500': point(0.7, 2.4), '2000': point(900, 5000, 400) } }),
    ]
    const text = renderMarkdown(all, evaluate(all, RATES), RATES)
    expect(text).toContain(
      '| target | p50 @500/s | p99 @500/s | p50 @2000/s | p99 @2000/s | max req/s (wrk) |',
    )
    expect(text).toContain('| direct | 0.50 | 2.00 | 0.60 | 3.00 | 20000 |')
    expect(text).toContain('| bare | 0.60 (+0.10) | 2.40 (+0.40) |')
    expect(text).toContain('900.00 (+899.40) ⚠ 400/1000 failed')
    expect(text).toMatch(/\| added p50 at 2000 req\/s \|.*\| not measured \|/)
    expect(text).toMatch(/\| added p50 at 500 req\/s \|.*\| yes \|/)
    const mixed = [
      measurement('direct', 0),
      measurement('bare', 0.1, {
        maxThroughput: { requestsPerS: 900, requests: 900, errors: 0, tool: 'loadgen' },
      }),
    ]
    const mixedText = renderMarkdown(mixed, [], RATES)
    expect(mixedText).toContain('| max req/s |')
    expect(mixedText).toContain('| 900 (loadgen) |')
    const failed = renderMarkdown(
      [{ name: 'gateway', label: 'gateway', failure: 'exit 1 | boom' }],
      [],
      RATES,
    )
    expect(failed).toContain('| gateway | not measured: exit 1 / boom |')
  })
})
