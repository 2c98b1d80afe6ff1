/** @module Open-loop driver: sends at a fixed arrival rate whether or not earlier requests have finished. */
import { createRecorder, type LoadReport } from './recorder.ts'
import type { RequestResult } from './request-result.ts'
import type { RunOptions } from './run-options.ts'
import { createSchedule } from './schedule.ts'
import { sendTimed } from './timed-request.ts'

export interface OpenLoopOptions extends RunOptions {
  readonly ratePerS: number
  /**
   * The most requests in flight at once (default 4096). Arrivals beyond it are counted as `dropped` errors instead of
   * being sent late, so a collapsing server cannot exhaust the client's sockets and still shows in the report.
   */
  readonly maxInFlight?: number
}

/**
 * Runs the schedule and resolves with the report once every sent request has finished. Each request's latency is
 * measured from its scheduled time, so a client that falls behind shows the delay instead of hiding it.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<LoadReport> {
  const now = options.now ?? (() => performance.now())
  const sleep = options.sleep ?? ((ms: number) => Bun.sleep(ms))
  const timeoutMs = options.timeoutMs ?? 60_000
  const send =
    options.send ?? ((spec, timing) => sendTimed(spec, { now, timeoutMs, intendedMs: timing.intendedMs }))
  const recorder = options.recorder ?? createRecorder()
  const maxInFlight = options.maxInFlight ?? 4096
  const schedule = createSchedule({
    ratePerS: options.ratePerS,
    ...(options.durationMs === undefined ? {} : { durationMs: options.durationMs }),
    ...(options.maxRequests === undefined ? {} : { maxRequests: options.maxRequests }),
  })
  const start = now()
  let lastEnd = start
  let inFlight = 0
  let completed = 0
  const pending = new Set<Promise<void>>()
  const finish = (result: RequestResult): void => {
    recorder.record(result)
    completed += 1
    lastEnd = Math.max(lastEnd, result.endMs)
    options.onResult?.(result, completed)
  }

  let sent = 0
  while (sent < schedule.total && !options.signal?.aborted) {
    const due = schedule.dueBy(now() - start)
    for (; sent < due; sent++) {
      const intendedMs = start + schedule.offsetMs(sent)
      if (inFlight >= maxInFlight) {
        const at = now()
        const message = `${maxInFlight} requests already in flight`
        finish({
          intendedMs,
          sentMs: at,
          endMs: at,
          status: 0,
          error: { kind: 'dropped', message },
          gapsMs: [],
          completionTokens: 0,
        })
        continue
      }
      inFlight += 1
      recorder.started()
      const task = send(options.requests(sent), { intendedMs }).then((result) => {
        inFlight -= 1
        finish(result)
        pending.delete(task)
      })
      pending.add(task)
    }
    if (sent >= schedule.total) break
    // Sleeping even 0 ms yields to the event loop, which is what lets responses be read between arrivals.
    await sleep(Math.max(0, start + schedule.offsetMs(sent) - now()))
  }
  await Promise.all(pending)
  return recorder.report(lastEnd - start)
}
