/**
 * @module Admission of one API request, in the order that wastes least: per-key request and token rates, then the
 * daily quota reservation, then a slot in the upstream queue. Each step that admitted is undone if a later one
 * refuses, and the ticket settles everything with the real usage once the exchange is over.
 */
import type { AdmissionQueue, Permit } from '../core/admission-queue.ts'
import type { KeyIdentity } from '../core/api-key.ts'
import type { Clock } from '../core/clock.ts'
import type { GcraDecision, GcraLimit } from '../core/gcra.ts'
import { perMinute } from '../core/gcra.ts'
import type { LimiterStore } from '../core/limiter-store.ts'
import type { Reservation } from '../core/quota.ts'
import type { QuotaGate } from '../core/quota-gate.ts'
import { rateLimitHeaders, retryAfterHeaders } from '../core/rate-limit-headers.ts'
import { estimatePromptTokens, requestedMaxTokens } from '../core/token-estimate.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { ForwardOutcome } from './forward.ts'

export interface AdmissionOptions {
  limiter: LimiterStore
  /** Absent when no daily quota is configured; the in-memory ledger or a shared (Redis) quota. */
  ledger: QuotaGate | undefined
  /** Absent when MAX_CONCURRENT_REQUESTS is 0. */
  queue: AdmissionQueue | undefined
  clock: Clock
  keyRpm: number
  keyTpm: number
  hardCap: boolean
  defaultReserve: number
  onRejected?: (kind: 'rate_limit' | 'quota' | 'queue', reason: string) => void
  onQueued?: (waitedMs: number) => void
}

export interface AdmissionTicket {
  /** x-ratelimit-* headers for the response. */
  headers: Record<string, string>
  /** Admission changed the body (the hard cap lowered max_tokens): the client's text no longer describes it. */
  rewroteBody: boolean
  /** The exchange ended: charge what was really used. */
  settle(outcome: ForwardOutcome): void
  /** The request failed before using the model: charge nothing. */
  cancel(): void
}

export interface Admission {
  admit(
    identity: KeyIdentity,
    body: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<AdmissionTicket>
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>

const limitCache = new Map<number, GcraLimit>()
/** Limits are value objects; one per distinct rate is enough. */
const minuteLimit = (perMinuteRate: number): GcraLimit => {
  let limit = limitCache.get(perMinuteRate)
  if (!limit) {
    limit = perMinute(perMinuteRate)
    limitCache.set(perMinuteRate, limit)
  }
  return limit
}

// The in-memory stores answer synchronously, and their answers are taken without `await`: an await on a plain value
// still yields to the microtask queue, and when hundreds of requests arrive together every extra turn queues each
// one's first byte behind the others' progress. Redis answers with promises, which are awaited.
export function createAdmission(options: AdmissionOptions): Admission {
  const { limiter, ledger, queue, clock } = options

  return {
    async admit(identity, body, signal) {
      const rpm = identity.rpm ?? options.keyRpm
      const tpm = identity.tpm ?? options.keyTpm
      const estimate = estimatePromptTokens(body, options.hardCap ? 'upper' : 'typical')
      const maxTokens = requestedMaxTokens(body)
      // Tokens per minute are charged on the estimate plus the requested completion, then corrected on settle.
      const tokenCost = estimate + (maxTokens ?? 0)
      const nowUs = clock.nowUs()

      let requests: GcraDecision | undefined
      let tokens: GcraDecision | undefined
      const tpmKey = `tpm:${identity.digest}`
      if (rpm > 0) {
        const taken = limiter.take(`rpm:${identity.digest}`, minuteLimit(rpm), nowUs, 1)
        requests = taken instanceof Promise ? await taken : taken
        if (!requests.ok) {
          options.onRejected?.('rate_limit', 'key_rpm')
          throw rateLimited(`Rate limit reached for requests per minute (${rpm}).`, { requests })
        }
      }
      if (tpm > 0) {
        const taken = limiter.take(tpmKey, minuteLimit(tpm), nowUs, tokenCost)
        tokens = taken instanceof Promise ? await taken : taken
        if (!tokens.ok) {
          options.onRejected?.('rate_limit', 'key_tpm')
          throw rateLimited(`Rate limit reached for tokens per minute (${tpm}).`, { requests, tokens })
        }
      }
      const headers = requests || tokens ? rateLimitHeaders({ requests, tokens }) : NO_HEADERS
      const refundTokens = async (delta: number) => {
        if (tpm > 0 && delta !== 0) await limiter.adjust(tpmKey, minuteLimit(tpm), clock.nowUs(), delta)
      }

      let reservation: Reservation | undefined
      let rewroteBody = false
      if (ledger) {
        const request = { keyHash: identity.digest, nowMs: clock.nowMs(), promptTokens: estimate, maxTokens }
        // A shared quota that is down (fail mode closed) throws: the tokens taken above are given back first.
        let result: Awaited<ReturnType<QuotaGate['reserve']>>
        try {
          const reserved = ledger.reserve(request)
          result = reserved instanceof Promise ? await reserved : reserved
        } catch (error) {
          await refundTokens(-tokenCost)
          throw error
        }
        if (!result.ok) {
          await refundTokens(-tokenCost)
          options.onRejected?.('quota', 'daily_tokens')
          throw new GatewayError(
            'insufficient_quota',
            `You exceeded your daily token quota (${result.quota} tokens per UTC day; ${result.used} used).`,
            { headers: { ...headers, ...retryAfterHeaders(result.retryAfterMs) } },
          )
        }
        reservation = result.reservation
        // Under the hard cap the upstream may only generate what the reservation covers.
        if (result.completionBudget !== undefined) {
          const budget = Math.max(1, result.completionBudget)
          if (body.max_completion_tokens !== undefined && body.max_completion_tokens !== null)
            body.max_completion_tokens = budget
          body.max_tokens = budget
          rewroteBody = true
        }
      }

      let permit: Permit | undefined
      if (queue) {
        permit = queue.tryAcquire()
        if (!permit) {
          const admission = await queue.acquire({ priority: identity.tier ?? 0, signal })
          options.onQueued?.(admission.waitedMs)
          if (!admission.ok) {
            if (reservation) ledger?.release(reservation)
            await refundTokens(-tokenCost)
            options.onRejected?.('queue', admission.reason)
            if (admission.reason === 'aborted')
              throw new GatewayError('client_closed_request', 'client closed the request')
            throw new GatewayError(
              'server_busy',
              admission.reason === 'queue_full'
                ? 'The gateway is at capacity and its queue is full; retry shortly.'
                : 'The request waited too long for an upstream slot; retry shortly.',
              { headers: { ...headers, ...retryAfterHeaders(admission.retryAfterMs) } },
            )
          }
          permit = admission.permit
        } else {
          options.onQueued?.(0)
        }
      }

      let done = false
      return {
        headers,
        rewroteBody,
        settle(outcome) {
          if (done) return
          done = true
          permit?.release()
          // An aborted stream ends before its usage chunk: charge the estimate and the chunks actually generated.
          const promptTokens = outcome.usage?.prompt_tokens ?? estimate
          const completionTokens = outcome.usage?.completion_tokens ?? outcome.contentChunks
          if (reservation)
            ledger?.settle(reservation, { model: outcome.model, promptTokens, completionTokens })
          void refundTokens(promptTokens + completionTokens - tokenCost)
        },
        cancel() {
          if (done) return
          done = true
          permit?.release()
          if (reservation) ledger?.release(reservation)
          void refundTokens(-tokenCost)
        },
      }
    },
  }
}

function rateLimited(
  message: string,
  decisions: { requests?: GcraDecision; tokens?: GcraDecision },
): GatewayError {
  return new GatewayError('rate_limit_exceeded', message, { headers: rateLimitHeaders(decisions) })
}
