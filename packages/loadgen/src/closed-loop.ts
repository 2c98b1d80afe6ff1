/** @module Closed-loop driver: N workers, each sending its next request as soon as the previous one finishes. */
import { createRecorder, type LoadReport } from './recorder.ts'
import type { RunOptions } from './run-options.ts'
import { sendTimed } from './timed-request.ts'

export interface ClosedLoopOptions extends RunOptions {
  readonly concurrency: number
}

/**
 * Runs `concurrency` workers until the duration or the request count is reached (at least one is required) and
 * resolves with the report once the last in-flight request has finished. A closed loop finds maximum throughput; its
 * latencies hide queueing by construction, so use the open loop to measure latency under a given load.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadReport> {
  if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1)
    throw new Error(`concurrency must be a positive integer, got ${options.concurrency}`)
  if (options.durationMs === undefined && options.maxRequests === undefined)
    throw new Error('a closed loop needs a duration or a request count')
  const now = options.now ?? (() => performance.now())
  const timeoutMs = options.timeoutMs ?? 60_000
  const send =
    options.send ?? ((spec, timing) => sendTimed(spec, { now, timeoutMs, intendedMs: timing.intendedMs }))
  const recorder = options.recorder ?? createRecorder()
  const start = now()
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : start + options.durationMs
  const limit = options.maxRequests ?? Number.POSITIVE_INFINITY
  let next = 0
  let completed = 0
  let lastEnd = start

  const worker = async (): Promise<void> => {
    while (next < limit && now() < deadline && !options.signal?.aborted) {
      const index = next++
      recorder.started()
      const result = await send(options.requests(index), { intendedMs: now() })
      recorder.record(result)
      completed += 1
      lastEnd = Math.max(lastEnd, result.endMs)
      options.onResult?.(result, completed)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  return recorder.report(lastEnd - start)
}
