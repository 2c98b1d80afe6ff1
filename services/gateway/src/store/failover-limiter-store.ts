/**
 * @module LIMITER_FAIL_MODE for the shared limiter: while Redis answers, decisions are Redis's; when it does not,
 * `open` decides with a local in-memory store (limits then apply per replica, a metered degradation) and `closed`
 * refuses with 503 and Retry-After. The link's probe ends the degradation by itself.
 */
import type { GcraDecision } from '../core/gcra.ts'
import type { LimiterStore, MemoryLimiterStore } from '../core/limiter-store.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { type RedisLink, RedisUnavailableError } from './redis-link.ts'

export type LimiterFailMode = 'open' | 'closed'

export interface FailoverLimiterStoreOptions {
  link: RedisLink
  remote: LimiterStore
  local: MemoryLimiterStore
  failMode: LimiterFailMode
  /** Retry-After of a closed-mode refusal: about when the probe will next look. */
  retryAfterSeconds: number
}

/** The refusal of LIMITER_FAIL_MODE=closed while the shared store is down. */
export const limiterUnavailable = (retryAfterSeconds: number): GatewayError =>
  new GatewayError('server_busy', 'The rate limiter is unavailable; retry shortly.', {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  })

/**
 * @example
 * const limiter = createFailoverLimiterStore({ link, remote: createRedisLimiterStore({ link }),
 *   local: createMemoryLimiterStore(), failMode: 'open', retryAfterSeconds: 1 })
 */
export function createFailoverLimiterStore(options: FailoverLimiterStoreOptions): LimiterStore {
  const { link, remote, local, failMode } = options

  const fallback = <T>(error: unknown, open: () => T): T => {
    if (!(error instanceof RedisUnavailableError)) throw error
    if (failMode === 'closed') throw limiterUnavailable(options.retryAfterSeconds)
    return open()
  }

  return {
    async take(key, limit, nowUs, cost = 1): Promise<GcraDecision> {
      try {
        return await remote.take(key, limit, nowUs, cost)
      } catch (error) {
        return fallback(error, () => local.take(key, limit, nowUs, cost))
      }
    },
    async adjust(key, limit, nowUs, delta) {
      // A correction for a cell taken while Redis was down belongs to the local state, and vice versa; which
      // store took it is not tracked, so the correction goes where decisions are made now.
      if (link.degraded) {
        if (failMode === 'open') local.adjust(key, limit, nowUs, delta)
        return
      }
      try {
        await remote.adjust(key, limit, nowUs, delta)
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error
        if (failMode === 'open') local.adjust(key, limit, nowUs, delta)
      }
    },
    size: () => local.size(),
    evictExpired: (nowUs) => local.evictExpired(nowUs),
  }
}
