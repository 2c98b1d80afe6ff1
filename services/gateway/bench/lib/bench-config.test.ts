import { describe, expect, test } from 'bun:test'
import { readBenchPlan } from './bench-config.ts'

describe('readBenchPlan', () => {
  test('the full run follows the issue: 500 and 2000 req/s, 64 connections, 400 streams of 50 chunks, 100k requests', () => {
    const plan = readBenchPlan({})
    expect(plan).toMatchObject({
      quick: false,
      rates: [500, 2000],
      connections: 64,
      streams: 400,
      streamChunks: 50,
    })
    expect(plan).toMatchObject({
      rssRequests: 100_000,
      clientCpu: '0',
      serverCpu: '1',
      writeResults: true,
      streamItlMs: 20,
    })
  })

  test('BENCH_QUICK=1 shortens every phase and does not overwrite BENCHMARKS.md unless asked', () => {
    const quick = readBenchPlan({ BENCH_QUICK: '1' })
    const full = readBenchPlan({})
    expect(quick.rateSlices * quick.sliceMs).toBeLessThan(full.rateSlices * full.sliceMs)
    expect(quick.streams).toBeLessThan(full.streams)
    expect(quick.rssRequests).toBeLessThan(full.rssRequests)
    expect(quick.writeResults).toBe(false)
    expect(readBenchPlan({ BENCH_QUICK: '1', BENCH_WRITE: '1' }).writeResults).toBe(true)
  })

  test('rejects bad values', () => {
    expect(() => readBenchPlan({ BENCH_QUICK: 'maybe', BENCH_STREAM_ITL_MS: '-1' })).toThrow(
      /BENCH_QUICK.*\n.*BENCH_STREAM_ITL_MS/,
    )
    expect(() => readBenchPlan({ BENCH_WRITE: 'perhaps' })).toThrow()
  })
})
