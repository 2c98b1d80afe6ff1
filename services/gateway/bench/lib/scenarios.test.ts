import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type Sim, startSim } from '@infergate/vllm-sim/testing'
import { type BenchPlan, readBenchPlan } from './bench-config.ts'
import {
  latencyInterleaved,
  maxThroughput,
  rotation,
  rssGrowth,
  streamingInterleaved,
  warmUp,
} from './scenarios.ts'

let a: Sim
let b: Sim
beforeAll(async () => {
  a = await startSim()
  b = await startSim()
})
afterAll(async () => {
  await a.stop()
  await b.stop()
})

const tiny: BenchPlan = {
  ...readBenchPlan({ BENCH_QUICK: '1' }),
  warmupMs: 50,
  rateSlices: 2,
  sliceMs: 100,
  streams: 4,
  streamRounds: 1,
  streamItlMs: 1,
  rssRequests: 40,
  connections: 4,
  maxThroughputS: 0.2,
}

describe('rotation', () => {
  test('starts each turn at the next target and visits all of them once', () => {
    expect(rotation(3, 0)).toEqual([0, 1, 2])
    expect(rotation(3, 1)).toEqual([1, 2, 0])
    expect(rotation(3, 5)).toEqual([2, 0, 1])
    expect(rotation(1, 7)).toEqual([0])
  })
})

describe('scenarios against the simulator', () => {
  test('interleaved open-loop slices send the scheduled count to each target', async () => {
    a.clearRequests()
    b.clearRequests()
    await warmUp({ url: a.url }, 'k', tiny)
    a.clearRequests()
    const [first, second] = await latencyInterleaved([{ url: a.url }, { url: b.url }], 'k', 100, tiny)
    expect(first).toMatchObject({ requests: 20, errors: 0 })
    expect(second).toMatchObject({ requests: 20, errors: 0 })
    expect(a.requests.length).toBe(20)
    expect(b.requests.length).toBe(20)
    const body = a.lastRequest('/v1/chat/completions')?.body as { stream: boolean; max_tokens: number }
    expect(body).toMatchObject({ stream: false, max_tokens: 16 })
  })

  test('streams carry exactly the planned number of chunks, set by simulator directives', async () => {
    const [stream] = await streamingInterleaved([{ url: a.url, pid: process.pid }], 'k', tiny)
    expect(stream).toMatchObject({ requests: 4, errors: 0, chunksPerStream: 50 })
    expect(stream?.peakRssMb).toBeGreaterThan(0)
    expect(stream?.gapP99).toBeGreaterThanOrEqual(0.5)
    const body = a.lastRequest('/v1/chat/completions')?.body as { messages: Array<{ content: string }> }
    expect(body.messages[0]?.content).toEndWith('[[sim:tokens=50]] [[sim:itl-ms=1]]')
  })

  test('the RSS check samples start, middle and end, and the closed-loop fallback measures throughput', async () => {
    const growth = await rssGrowth({ url: a.url, pid: process.pid }, 'k', tiny)
    expect(growth).toMatchObject({ requests: 40, errors: 0 })
    for (const mb of [growth.startMb, growth.midMb, growth.endMb]) expect(mb).toBeGreaterThan(0)
    const max = await maxThroughput({ url: a.url }, 'k', tiny, '/nonexistent/unused.lua', false)
    expect(max.tool).toBe('loadgen closed loop')
    expect(max.requests).toBeGreaterThan(0)
    expect(max.errors).toBe(0)
  })
})
