/** @module Options both drivers share: what to send, how to send it, and the bounds of the run. */
import type { RequestSpec } from './chat-request.ts'
import type { Recorder } from './recorder.ts'
import type { RequestResult } from './request-result.ts'

export type Send = (spec: RequestSpec, timing: { intendedMs: number }) => Promise<RequestResult>

export interface RunOptions {
  /** The request for arrival `index` (0-based). */
  readonly requests: (index: number) => RequestSpec
  /** Stop starting requests after this long; requests in flight are allowed to finish (or time out). */
  readonly durationMs?: number
  /** Stop after this many requests. */
  readonly maxRequests?: number
  /** Per-request timeout (ms) for the default sender; 60 s unless given. */
  readonly timeoutMs?: number
  /** Stops starting new requests when aborted (Ctrl-C). */
  readonly signal?: AbortSignal
  /** Pass one in to watch progress while the run goes. */
  readonly recorder?: Recorder
  /** Replaces the HTTP sender (tests, other protocols). */
  readonly send?: Send
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
  /** Called with every finished request, e.g. to sample server memory every N requests. */
  readonly onResult?: (result: RequestResult, completed: number) => void
}
