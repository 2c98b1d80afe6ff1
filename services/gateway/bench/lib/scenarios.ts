/** @module The measurements run against each target: open-loop latency, max throughput, streams, RSS over a long run. */
import {
  createChatRequests,
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

export async function latencyAt(
  target: Target,
  apiKey: string,
  ratePerS: number,
  plan: BenchPlan,
): Promise<LatencyPoint & { sendLagP99: number }> {
  const report = await runOpenLoop({
    ratePerS,
    durationMs: plan.rateMs,
    requests: plainRequests(target, apiKey),
    timeoutMs: 10_000,
    maxInFlight: 2048,
  })
  return {
    p50: report.e2eMs.p50,
    p99: report.e2eMs.p99,
    requests: report.requests,
    errors: report.errors.total,
    sendLagP99: report.sendLagMs.p99,
  }
}

/** wrk with one thread on the client core; the JS closed loop only when wrk is not installed (and says so). */
export async function maxThroughput(
  target: Target,
  apiKey: string,
  plan: BenchPlan,
  scriptPath: string,
): Promise<NonNullable<TargetMeasurement['maxThroughput']>> {
  const spec = plainRequests(target, apiKey)(0)
  if (Bun.which('wrk')) {
    const result = await runWrk({
      url: spec.url,
      connections: plan.connections,
      durationS: plan.maxThroughputS,
      body: spec.body,
      headers: spec.headers,
      scriptPath,
      cpu: plan.clientCpu,
    })
    return { requestsPerS: result.requestsPerS, errors: result.errors, tool: 'wrk' }
  }
  const report = await runClosedLoop({
    concurrency: plan.connections,
    durationMs: plan.maxThroughputS * 1000,
    requests: plainRequests(target, apiKey),
    timeoutMs: 10_000,
  })
  return { requestsPerS: report.requestsPerS, errors: report.errors.total, tool: 'loadgen closed loop' }
}

export async function streaming(
  target: Target,
  apiKey: string,
  plan: BenchPlan,
): Promise<NonNullable<TargetMeasurement['stream']>> {
  const sampler = target.pid === undefined ? undefined : samplePeakRss(target.pid)
  const report = await runClosedLoop({
    concurrency: plan.streams,
    maxRequests: plan.streams * plan.streamRounds,
    requests: streamRequests(target, apiKey, plan),
    timeoutMs: 30_000,
  })
  const peak = await sampler?.stop()
  return {
    firstChunkP50: report.firstChunkMs.p50,
    gapP99: report.itlMs.p99,
    requests: report.requests,
    errors: report.errors.total,
    ...(peak === undefined ? {} : { peakRssMb: peak }),
  }
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
  await runClosedLoop({
    concurrency: plan.connections,
    maxRequests: plan.rssRequests,
    requests: plainRequests(target, apiKey),
    timeoutMs: 10_000,
    onResult: (_result, completed) => {
      if (completed === half) void treeRssMb(target.pid).then((mb) => (midMb = mb))
    },
  })
  return { requests: plan.rssRequests, startMb, midMb, endMb: await treeRssMb(target.pid) }
}
