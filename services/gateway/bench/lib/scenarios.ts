/** @module The measurements run against each target: open-loop latency, max throughput, streams, RSS over a long run. */
import {
  createChatRequests,
  createRecorder,
  parsePromptMix,
  type RequestSpec,
  runClosedLoop,
  runOpenLoop,
} from '@infergate/loadgen'
import type { BenchPlan } from './bench-config.ts'
import type { LatencyPoint, TargetMeasurement } from './overhead-report.ts'
import { samplePeakRss, treeRssMb } from './proc-memory.ts'
import { runWrk } from './wrk.ts'

export const MODEL = 'sim-model'

export interface Target {
  readonly url: string
  /** Server process whose memory is measured; undefined for direct-to-sim. */
  readonly pid?: number
}

export function plainRequests(target: Target, apiKey: string): (index: number) => RequestSpec {
  return createChatRequests({
    baseUrl: target.url,
    model: MODEL,
    stream: false,
    maxTokens: 16,
    mix: parsePromptMix('tiny'),
    apiKey,
  })
}

/**
 * Streams of exactly `chunks` tokens, one per chunk, `itlMs` apart: the simulator's prompt directives set both, so they
 * reach it through any proxy that forwards the body.
 */
export function streamRequests(
  target: Target,
  apiKey: string,
  plan: BenchPlan,
): (index: number) => RequestSpec {
  return createChatRequests({
    baseUrl: target.url,
    model: MODEL,
    stream: true,
    maxTokens: plan.streamChunks,
    mix: parsePromptMix('tiny'),
    apiKey,
    promptSuffix: `[[sim:tokens=${plan.streamChunks}]] [[sim:itl-ms=${plan.streamItlMs}]]`,
  })
}

/** Warms the JIT and the connection pools of client and server so that the first phase is not penalised. */
export async function warmUp(target: Target, apiKey: string, plan: BenchPlan): Promise<void> {
  await runClosedLoop({
    concurrency: 16,
    durationMs: plan.warmupMs,
    requests: plainRequests(target, apiKey),
    timeoutMs: 5000,
  })
}

/** Indexes 0 … count−1 starting at `turn` modulo count, e.g. rotation(3, 1) = [1, 2, 0]. */
export const rotation = (count: number, turn: number): number[] =>
  Array.from({ length: count }, (_, index) => (index + turn) % count)

export type MeasuredPoint = LatencyPoint & { readonly sendLagP99: number; readonly errorSample?: string }

/**
 * Open-loop latency at `ratePerS` for each target, run in alternating slices (A, B, A, B …) so that every target sees
 * the same background load on a shared machine; samples of all slices of one target are pooled.
 */
export async function latencyInterleaved(
  targets: readonly Target[],
  apiKey: string,
  ratePerS: number,
  plan: BenchPlan,
): Promise<MeasuredPoint[]> {
  const recorders = targets.map(() => createRecorder())
  for (let slice = 0; slice < plan.rateSlices; slice++) {
    // The order rotates every slice so that no target always follows the same neighbour.
    for (const index of rotation(targets.length, slice)) {
      const target = targets[index] as Target
      await runOpenLoop({
        ratePerS,
        durationMs: plan.sliceMs,
        requests: plainRequests(target, apiKey),
        timeoutMs: 10_000,
        maxInFlight: 2048,
        recorder: recorders[index] ?? createRecorder(),
      })
    }
  }
  return recorders.map((recorder) => {
    const report = recorder.report(plan.rateSlices * plan.sliceMs)
    return {
      p50: report.e2eMs.p50,
      p99: report.e2eMs.p99,
      requests: report.requests,
      errors: report.errors.total,
      sendLagP99: report.sendLagMs.p99,
      ...(report.errors.samples[0] ? { errorSample: report.errors.samples[0] } : {}),
    }
  })
}

/** wrk with one thread on the client core; the JS closed loop only when wrk is not installed (and says so). */
export async function maxThroughput(
  target: Target,
  apiKey: string,
  plan: BenchPlan,
  scriptPath: string,
  useWrk = Bun.which('wrk') !== null,
): Promise<NonNullable<TargetMeasurement['maxThroughput']>> {
  const spec = plainRequests(target, apiKey)(0)
  if (useWrk) {
    const result = await runWrk({
      url: spec.url,
      connections: plan.connections,
      durationS: plan.maxThroughputS,
      body: spec.body,
      headers: spec.headers,
      scriptPath,
      cpu: plan.clientCpu,
    })
    return {
      requestsPerS: result.requestsPerS,
      requests: result.requests,
      errors: result.errors,
      tool: 'wrk',
    }
  }
  const report = await runClosedLoop({
    concurrency: plan.connections,
    durationMs: plan.maxThroughputS * 1000,
    requests: plainRequests(target, apiKey),
    timeoutMs: 10_000,
  })
  return {
    requestsPerS: report.requestsPerS,
    requests: report.requests,
    errors: report.errors.total,
    tool: 'loadgen closed loop',
  }
}

type StreamFigures = NonNullable<TargetMeasurement['stream']>

/**
 * `plan.streams` concurrent streams per round, rounds alternating between the targets; the peak RSS of each target
 * with a pid is sampled through the whole phase.
 */
export async function streamingInterleaved(
  targets: readonly Target[],
  apiKey: string,
  plan: BenchPlan,
): Promise<StreamFigures[]> {
  const samplers = targets.map((target) => (target.pid === undefined ? undefined : samplePeakRss(target.pid)))
  const recorders = targets.map(() => createRecorder())
  for (let round = 0; round < plan.streamRounds; round++) {
    for (const index of rotation(targets.length, round)) {
      const target = targets[index] as Target
      await runClosedLoop({
        concurrency: plan.streams,
        maxRequests: plan.streams,
        requests: streamRequests(target, apiKey, plan),
        timeoutMs: 30_000,
        recorder: recorders[index] ?? createRecorder(),
      })
    }
  }
  return Promise.all(
    recorders.map(async (recorder, index) => {
      const report = recorder.report(1)
      const peak = await samplers[index]?.stop()
      return {
        firstChunkP50: report.firstChunkMs.p50,
        gapP99: report.itlMs.p99,
        requests: report.requests,
        errors: report.errors.total,
        chunksPerStream: report.ok === 0 ? 0 : (report.itlMs.count + report.ttftMs.count) / report.ok,
        ...(peak === undefined ? {} : { peakRssMb: peak }),
        ...(report.errors.samples[0] ? { errorSample: report.errors.samples[0] } : {}),
      }
    }),
  )
}

/** RSS before, halfway through and after `plan.rssRequests` requests at 64 connections. */
export async function rssGrowth(
  target: Target & { pid: number },
  apiKey: string,
  plan: BenchPlan,
): Promise<NonNullable<TargetMeasurement['rssGrowth']>> {
  const startMb = await treeRssMb(target.pid)
  let midMb = 0
  const half = Math.floor(plan.rssRequests / 2)
  const report = await runClosedLoop({
    concurrency: plan.connections,
    maxRequests: plan.rssRequests,
    requests: plainRequests(target, apiKey),
    timeoutMs: 10_000,
    onResult: (_result, completed) => {
      if (completed === half) void treeRssMb(target.pid).then((mb) => (midMb = mb))
    },
  })
  return {
    requests: report.requests,
    errors: report.errors.total,
    startMb,
    midMb,
    endMb: await treeRssMb(target.pid),
  }
}
