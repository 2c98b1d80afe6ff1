/** @module Renders limiter decisions as the headers OpenAI sends: `x-ratelimit-*` on every response, `Retry-After` on a denial. */
import type { GcraDecision } from './gcra.ts'

/** The decisions taken for one request. `requests`/`tokens` are reported; `others` (e.g. per IP) only delay. */
export interface RateLimitDecisions {
  requests?: GcraDecision
  tokens?: GcraDecision
  others?: readonly GcraDecision[]
}

/** Go-style duration as OpenAI writes it: `20ms`, `1s`, `1.5s`, `6m0s`, `1h0m0s`. Rounded up to the millisecond. */
export function formatResetDuration(us: number): string {
  const totalMs = Math.max(0, Math.ceil(us / 1000))
  if (totalMs < 1000) return `${totalMs}ms`
  const hours = Math.floor(totalMs / 3_600_000)
  const minutes = Math.floor((totalMs % 3_600_000) / 60_000)
  const seconds = (totalMs % 60_000) / 1000
  const secondsText = `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(3))}s`
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`
  if (minutes > 0) return `${minutes}m${secondsText}`
  return secondsText
}

/**
 * `Retry-After` (whole seconds, at least 1, as the HTTP header must be) plus `retry-after-ms`, which OpenAI's
 * clients prefer when present. Also used for quota and queue rejections.
 */
export function retryAfterHeaders(retryAfterMs: number): Record<string, string> {
  const ms = Math.max(1, Math.ceil(retryAfterMs))
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(ms) }
}

function describe(headers: Record<string, string>, kind: string, decision: GcraDecision): void {
  headers[`x-ratelimit-limit-${kind}`] = String(decision.limit)
  headers[`x-ratelimit-remaining-${kind}`] = String(decision.remaining)
  headers[`x-ratelimit-reset-${kind}`] = formatResetDuration(decision.resetAfterUs)
}

/**
 * Headers for one response. When something denied the request, `Retry-After` is the longest wait among the
 * denials, so a client that honours it is admitted by all of them; a cell too large ever to fit gets none.
 * @example
 * rateLimitHeaders({ requests: rpm, tokens: tpm, others: [perIp] })
 */
export function rateLimitHeaders(decisions: RateLimitDecisions): Record<string, string> {
  const headers: Record<string, string> = {}
  if (decisions.requests) describe(headers, 'requests', decisions.requests)
  if (decisions.tokens) describe(headers, 'tokens', decisions.tokens)
  let waitUs = 0
  let denied = false
  let hopeless = false
  for (const decision of [decisions.requests, decisions.tokens, ...(decisions.others ?? [])]) {
    if (decision === undefined || decision.ok) continue
    denied = true
    hopeless ||= decision.tooLarge
    waitUs = Math.max(waitUs, decision.retryAfterUs)
  }
  if (denied && !hopeless) Object.assign(headers, retryAfterHeaders(waitUs / 1000))
  return headers
}

/** True when every decision admitted the request. */
export const allAdmitted = (decisions: RateLimitDecisions): boolean =>
  [decisions.requests, decisions.tokens, ...(decisions.others ?? [])].every((d) => d === undefined || d.ok)
