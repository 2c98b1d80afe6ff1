/** @module Settings of the overhead benchmark; the full run is the default, BENCH_QUICK=1 is a short smoke run. */
import { field, parseEnv } from '@infergate/config'

const spec = {
  BENCH_QUICK: field.bool({ default: false }),
  /** Core for the load generator (this process and wrk) and for the servers. */
  BENCH_CLIENT_CPU: field.string({ default: '0' }),
  BENCH_SERVER_CPU: field.string({ default: '1' }),
  /** Inter-token latency the simulator uses for the streaming phase. */
  BENCH_STREAM_ITL_MS: field.int({ default: 20, min: 0 }),
  /** Write the results into BENCHMARKS.md (full runs only unless set). */
  BENCH_WRITE: field.optionalString(),
}

export interface BenchPlan {
  readonly quick: boolean
  readonly clientCpu: string
  readonly serverCpu: string
  readonly rates: readonly number[]
  readonly warmupMs: number
  /** Each open-loop rate runs in this many slices per target, alternating with direct-to-sim. */
  readonly rateSlices: number
  readonly sliceMs: number
  readonly maxThroughputS: number
  readonly connections: number
  readonly streams: number
  readonly streamRounds: number
  readonly streamChunks: number
  readonly streamItlMs: number
  readonly rssRequests: number
  readonly writeResults: boolean
}

export function readBenchPlan(env: Readonly<Record<string, string | undefined>>): BenchPlan {
  const raw = parseEnv(env, spec, 'benchmark settings')
  const quick = raw.BENCH_QUICK
  return {
    quick,
    clientCpu: raw.BENCH_CLIENT_CPU,
    serverCpu: raw.BENCH_SERVER_CPU,
    rates: [500, 2000],
    warmupMs: quick ? 500 : 2000,
    rateSlices: quick ? 3 : 6,
    sliceMs: quick ? 500 : 1000,
    maxThroughputS: quick ? 2 : 8,
    connections: 64,
    streams: quick ? 100 : 400,
    streamRounds: quick ? 1 : 2,
    streamChunks: 50,
    streamItlMs: raw.BENCH_STREAM_ITL_MS,
    rssRequests: quick ? 10_000 : 100_000,
    writeResults: raw.BENCH_WRITE === undefined ? !quick : field.bool().parse(raw.BENCH_WRITE),
  }
}
