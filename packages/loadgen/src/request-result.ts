/** @module What one request produced: the timing points a load report is built from, and how it failed if it did. */

/**
 * Why a request failed. `http`: an error status (see `status`); `connect`: no response at all (refused, reset);
 * `timeout`: the client gave up; `inband_error`: an SSE `{"error":…}` frame or an error body with status 200;
 * `truncated`: the stream ended without `[DONE]`; `invalid_response`: not the JSON or SSE that was asked for;
 * `dropped`: an open-loop arrival never sent because the client already had its maximum in flight.
 */
export type ErrorKind =
  | 'http'
  | 'connect'
  | 'timeout'
  | 'inband_error'
  | 'truncated'
  | 'invalid_response'
  | 'dropped'

export const ERROR_KINDS: readonly ErrorKind[] = [
  'http',
  'connect',
  'timeout',
  'inband_error',
  'truncated',
  'invalid_response',
  'dropped',
]

/** All times are readings of the run's clock (ms); latency is taken from `intendedMs`, never from `sentMs`. */
export interface RequestResult {
  /** When the request should have been sent (the open-loop schedule; equal to `sentMs` in a closed loop). */
  readonly intendedMs: number
  readonly sentMs: number
  readonly endMs: number
  /** HTTP status, 0 when no response arrived. */
  readonly status: number
  readonly error?: { readonly kind: ErrorKind; readonly message: string }
  /** First SSE data event of any kind (including the role chunk). */
  readonly firstChunkMs?: number
  /** First event carrying generated output: the time-to-first-token point. */
  readonly firstTokenMs?: number
  /** Gaps between consecutive output-carrying events. */
  readonly gapsMs: readonly number[]
  /** From the usage chunk / body when present, else the number of output-carrying events. */
  readonly completionTokens: number
}
