/**
 * @module Daily quota reservations shared by every replica: used + reserved tokens per key and UTC day live in
 * one Redis hash, and reserve/settle/release are each one atomic Lua script, so replicas together can only
 * overshoot a quota by what is reserved in flight. Usage is still recorded in the local ledger, which the flusher
 * persists (each replica its own deltas; additive upserts keep the sums exact).
 */

import {
  type ActualUsage,
  msUntilUtcMidnight,
  type QuotaLedger,
  type Reservation,
  type ReserveRequest,
  type ReserveResult,
  tokenCount,
  utcDay,
} from '../core/quota.ts'
import type { QuotaGate } from '../core/quota-gate.ts'
import { type LimiterFailMode, limiterUnavailable } from './failover-limiter-store.ts'
import { luaScript, type RedisLink, RedisUnavailableError } from './redis-link.ts'

// ARGV: quota, prompt, completion, hardCap (0|1), seedUsed, ttlSeconds. A missing hash (first request of the
// day, or a Redis that restarted empty) starts from what this replica knows was used: its store-restored
// counter. Returns {1, granted, used, reserved} or {0, 0, used, reserved}.
const RESERVE = luaScript(`
local quota = tonumber(ARGV[1])
local prompt = tonumber(ARGV[2])
local completion = tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'used', ARGV[5], 'reserved', 0)
  redis.call('EXPIRE', KEYS[1], ARGV[6])
end
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local remaining = quota - used - reserved
if remaining <= 0 or (ARGV[4] == '1' and remaining <= prompt) then return {0, 0, used, reserved} end
local granted = math.min(prompt + completion, remaining)
reserved = redis.call('HINCRBY', KEYS[1], 'reserved', granted)
return {1, granted, used, reserved}
`)

// ARGV: granted, used (0 for a release). Reserved never drops below 0, even after Redis lost the hash.
const SETTLE = luaScript(`
local reserved = redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(ARGV[1]))
if reserved < 0 then redis.call('HSET', KEYS[1], 'reserved', 0) end
if tonumber(ARGV[2]) > 0 then redis.call('HINCRBY', KEYS[1], 'used', ARGV[2]) end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
`)

export interface RedisQuotaOptions {
  link: RedisLink
  /** The local ledger: usage records, deltas for the flusher, and the fallback while Redis is down. */
  ledger: QuotaLedger
  /** Quota of a key (per-key override or DAILY_TOKEN_QUOTA); Infinity needs no shared counting. */
  quotaOf: (keyHash: string) => number
  defaultReserve: number
  hardCap: boolean
  failMode: LimiterFailMode
  retryAfterSeconds: number
  /** Called when a settlement could not reach Redis (its usage is still recorded locally). */
  onSettleError?: (error: unknown) => void
  prefix?: string
}

const DAY_SECONDS = 86_400

/** The shared quota: admission's gate, plus a read of a key's counters for /v1/usage. */
export interface RedisQuota extends QuotaGate {
  /** The key's shared `used` and `reserved` tokens on `day`; undefined while no replica has reserved that day. */
  read(keyHash: string, day: string): Promise<{ used: number; reserved: number } | undefined>
}

/**
 * @example
 * const quota = createRedisQuota({ link, ledger, quotaOf, defaultReserve: 1024, hardCap: false,
 *   failMode: 'open', retryAfterSeconds: 1 })
 * const result = await quota.reserve({ keyHash, nowMs, promptTokens: 40, maxTokens: 200 })
 */
export function createRedisQuota(options: RedisQuotaOptions): RedisQuota {
  const { link, ledger, quotaOf, defaultReserve, hardCap, failMode } = options
  const prefix = options.prefix ?? 'infergate:quota:'
  // Reservations held in Redis; any other reservation is the local ledger's (taken while Redis was down).
  const shared = new WeakSet<Reservation>()
  const keyOf = (reservation: { day: string; keyHash: string }) =>
    `${prefix}${reservation.day}:${reservation.keyHash}`
  // The hash outlives its day by one day, so late settlements of yesterday still find it.
  const ttlSeconds = (nowMs: number) => Math.ceil(msUntilUtcMidnight(nowMs) / 1000) + DAY_SECONDS

  const sendSettle = (reservation: Reservation, used: number, nowMs: number): void => {
    link
      .evalScript(SETTLE, [keyOf(reservation)], [reservation.granted, used, ttlSeconds(nowMs)])
      .catch((error: unknown) => options.onSettleError?.(error))
  }

  return {
    async reserve(request: ReserveRequest): Promise<ReserveResult> {
      const quota = quotaOf(request.keyHash)
      if (!Number.isFinite(quota)) return ledger.reserve(request)
      const day = utcDay(request.nowMs)
      const prompt = tokenCount(request.promptTokens)
      const completion = request.maxTokens === undefined ? defaultReserve : tokenCount(request.maxTokens)
      let reply: number[]
      try {
        const seed = ledger.status(request.keyHash, request.nowMs).used
        const raw = (await link.evalScript(
          RESERVE,
          [keyOf({ day, keyHash: request.keyHash })],
          [quota, prompt, completion, hardCap ? 1 : 0, seed, ttlSeconds(request.nowMs)],
        )) as unknown[]
        reply = raw.map(Number)
      } catch (error) {
        if (!(error instanceof RedisUnavailableError)) throw error
        if (failMode === 'closed') throw limiterUnavailable(options.retryAfterSeconds)
        return ledger.reserve(request)
      }
      const [ok = 0, granted = 0, used = 0, reserved = 0] = reply
      if (ok !== 1)
        return { ok: false, quota, used, reserved, retryAfterMs: msUntilUtcMidnight(request.nowMs) }
      const reservation: Reservation = { keyHash: request.keyHash, day, granted }
      shared.add(reservation)
      return { ok: true, reservation, completionBudget: hardCap ? granted - prompt : undefined }
    },
    settle(reservation: Reservation, usage: ActualUsage) {
      if (!shared.delete(reservation)) return ledger.settle(reservation, usage)
      const record = ledger.record(reservation.keyHash, reservation.day, usage)
      sendSettle(reservation, record.promptTokens + record.completionTokens, Date.now())
      return record
    },
    release(reservation: Reservation) {
      if (!shared.delete(reservation)) return ledger.release(reservation)
      sendSettle(reservation, 0, Date.now())
    },
    async read(keyHash, day) {
      const reply = await link.send('HMGET', [keyOf({ day, keyHash }), 'used', 'reserved'])
      const [used, reserved] = Array.isArray(reply) ? reply : []
      if (used === null || used === undefined) return undefined
      // SETTLE floors reserved at 0 after the fact, so a read can catch it briefly below.
      return { used: Number(used), reserved: Math.max(0, Number(reserved ?? 0)) }
    },
  }
}
