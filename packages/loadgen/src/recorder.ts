/** @module Collects request results into a load report: latency percentiles, throughput and an error breakdown. */
import { ERROR_KINDS, type ErrorKind, type RequestResult } from './request-result.ts'
import { type Stats, summarize } from './stats.ts'

export interface ErrorBreakdown {
  readonly total: number
  readonly byKind: Readonly<Record<ErrorKind, number>>
  /** HTTP status → count, for `http` errors (and in-band errors that came with a status). */
  readonly byStatus: Readonly<Record<string, number>>
  /** Up to five distinct messages, so an operator sees WHY without a debugger. */
  readonly samples: readonly string[]
}

/** The figures of one run. Latencies are ms from the intended send time and cover successful requests only. */
export interface LoadReport {
  readonly requests: number
  readonly ok: number
  readonly durationS: number
  readonly requestsPerS: number
  readonly completionTokens: number
  readonly tokensPerS: number
  /** End-to-end latency. */
  readonly e2eMs: Stats
  /** Time to the first SSE event of any kind (streaming only). */
  readonly firstChunkMs: Stats
  /** Time to the first output token (streaming only). */
  readonly ttftMs: Stats
  /** Gaps between output chunks (streaming only). */
  readonly itlMs: Stats
  /** How late the client sent against its schedule: large values mean the load generator itself was saturated. */
  readonly sendLagMs: Stats
  readonly errors: ErrorBreakdown
}

export interface Progress {
  readonly started: number
  readonly completed: number
  readonly ok: number
  readonly errors: number
  readonly inFlight: number
  readonly completionTokens: number
}

export interface Recorder {
  /** A request has been handed to the network. */
  started(): void
  record(result: RequestResult): void
  progress(): Progress
  /** Summarises everything recorded; `durationMs` is the wall time the rates are computed over. */
  report(durationMs: number): LoadReport
}

const emptyByKind = (): Record<ErrorKind, number> =>
  Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])) as Record<ErrorKind, number>

export function createRecorder(): Recorder {
  let started = 0
  let completed = 0
  let ok = 0
  let tokens = 0
  const e2e: number[] = []
  const firstChunk: number[] = []
  const ttft: number[] = []
  const itl: number[] = []
  const sendLag: number[] = []
  const byKind = emptyByKind()
  const byStatus: Record<string, number> = {}
  const samples = new Set<string>()

  return {
    started() {
      started += 1
    },
    record(result) {
      completed += 1
      tokens += result.completionTokens
      if (result.error) {
        byKind[result.error.kind] += 1
        if (result.status !== 0) byStatus[String(result.status)] = (byStatus[String(result.status)] ?? 0) + 1
        if (samples.size < 5) samples.add(`${result.error.kind}: ${result.error.message}`)
        return
      }
      ok += 1
      e2e.push(result.endMs - result.intendedMs)
      sendLag.push(result.sentMs - result.intendedMs)
      if (result.firstChunkMs !== undefined) firstChunk.push(result.firstChunkMs - result.intendedMs)
      if (result.firstTokenMs !== undefined) ttft.push(result.firstTokenMs - result.intendedMs)
      for (const gap of result.gapsMs) itl.push(gap)
    },
    progress: () => ({
      started,
      completed,
      ok,
      errors: completed - ok,
      inFlight: started - (completed - byKind.dropped),
      completionTokens: tokens,
    }),
    report(durationMs) {
      const seconds = durationMs / 1000
      const perSecond = (count: number): number => (seconds > 0 ? count / seconds : 0)
      return {
        requests: completed,
        ok,
        durationS: seconds,
        requestsPerS: perSecond(ok),
        completionTokens: tokens,
        tokensPerS: perSecond(tokens),
        e2eMs: summarize(e2e),
        firstChunkMs: summarize(firstChunk),
        ttftMs: summarize(ttft),
        itlMs: summarize(itl),
        sendLagMs: summarize(sendLag),
        errors: {
          total: completed - ok,
          byKind: { ...byKind },
          byStatus: { ...byStatus },
          samples: [...samples],
        },
      }
    },
  }
}
