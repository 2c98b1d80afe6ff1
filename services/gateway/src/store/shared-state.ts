/**
 * @module Scale-out state (REDIS_URL): one Redis link and what runs on it: the GCRA limiter store behind the fail
 * mode, and the shared daily quota. Built by deps.ts; each piece is tested on its own.
 */
import { RedisClient } from 'bun'
import { systemTimers } from '../core/clock.ts'
import type { LimiterStore, MemoryLimiterStore } from '../core/limiter-store.ts'
import type { QuotaLedger } from '../core/quota.ts'
import { createFailoverLimiterStore, type LimiterFailMode } from './failover-limiter-store.ts'
import { createRedisLimiterStore } from './redis-limiter-store.ts'
import { createRedisLink, type RedisLink } from './redis-link.ts'
import { createRedisQuota, type RedisQuota } from './redis-quota.ts'

export interface SharedStateOptions {
  redis: { url: string; timeoutMs: number; probeMs: number }
  failMode: LimiterFailMode
  localLimiter: MemoryLimiterStore
  ledger: QuotaLedger
  quotaOf: (keyHash: string) => number
  defaultReserve: number
  hardCap: boolean
  onStateChange: (degraded: boolean, reason: string) => void
  onSettleError?: (error: unknown) => void
}

export interface SharedState {
  link: RedisLink
  limiter: LimiterStore
  quota: RedisQuota
  close(): void
}

export function createSharedState(options: SharedStateOptions): SharedState {
  const { redis, failMode } = options
  const client = new RedisClient(redis.url, {
    // Commands fail at once while disconnected instead of waiting in a queue: the fail mode decides instead.
    enableOfflineQueue: false,
    autoReconnect: true,
    connectionTimeout: Math.max(redis.timeoutMs, 100),
  })
  // The first call connects; until then the link is not degraded, so nothing is logged at start-up.
  const link = createRedisLink({
    client,
    timeoutMs: redis.timeoutMs,
    probeIntervalMs: redis.probeMs,
    timers: systemTimers,
    onStateChange: options.onStateChange,
  })
  const retryAfterSeconds = Math.max(1, Math.ceil(redis.probeMs / 1000))
  return {
    link,
    limiter: createFailoverLimiterStore({
      link,
      remote: createRedisLimiterStore({ link }),
      local: options.localLimiter,
      failMode,
      retryAfterSeconds,
    }),
    quota: createRedisQuota({
      link,
      ledger: options.ledger,
      quotaOf: options.quotaOf,
      defaultReserve: options.defaultReserve,
      hardCap: options.hardCap,
      failMode,
      retryAfterSeconds,
      onSettleError: options.onSettleError,
    }),
    close: () => link.close(),
  }
}
