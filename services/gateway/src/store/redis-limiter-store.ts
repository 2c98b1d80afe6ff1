/**
 * @module GCRA state in Redis: each take or adjust is one server-side Lua script (one round trip, atomic across
 * every gateway replica), with the same integer-microsecond arithmetic as core/gcra.ts. A key lives exactly as
 * long as its state means something (TTL = TAT − now, plus a second), so Redis memory stays bounded by the active clients.
 */
import type { GcraDecision, GcraLimit } from '../core/gcra.ts'
import type { LimiterStore } from '../core/limiter-store.ts'
import { luaScript, type RedisLink } from './redis-link.ts'

// A key outlives its state by this much: a TAT at or before now already reads as "rested", so the slack
// changes no decision, yet replicas whose clocks differ by a little never see a key vanish early.
const SLACK_MS = 1_000

// ARGV: now, emission (T), capacity (T·burst), burst, cost. Mirrors gcraTest; numbers stay below 2^53, exact
// in Lua's doubles. Returns {ok, tat, remaining, resetAfter, retryAfter}.
const TAKE = luaScript(`
local SLACK_MS = ${SLACK_MS}
local now = tonumber(ARGV[1])
local emission = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = tonumber(stored) end
local function remaining(t)
  local free = now + capacity - math.max(t, now)
  if free <= 0 then return 0 end
  return math.min(burst, math.floor(free / emission))
end
local nxt = math.max(tat, now) + cost * emission
local allowAt = nxt - capacity
if allowAt <= now then
  if nxt > now then
    redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + SLACK_MS)
  end
  return {1, string.format('%.0f', nxt), remaining(nxt), math.max(0, nxt - now), 0}
end
return {0, string.format('%.0f', tat), remaining(tat), math.max(0, tat - now), allowAt - now}
`)

// ARGV: now, emission, delta. Mirrors gcraAdjust: a refund never goes below now; a rested key is deleted.
const ADJUST = luaScript(`
local SLACK_MS = ${SLACK_MS}
local now = tonumber(ARGV[1])
local emission = tonumber(ARGV[2])
local delta = tonumber(ARGV[3])
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
if delta >= 0 then tat = tat + delta * emission else tat = math.max(now, tat + delta * emission) end
if tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + SLACK_MS)
end
return 1
`)

export interface RedisLimiterStoreOptions {
  link: RedisLink
  /** Namespace of every key, so one Redis can serve other things too. */
  prefix?: string
}

type TakeReply = [number, string, number, number, number]

const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value))

/**
 * Errors (timeouts, a dead Redis) are thrown as RedisUnavailableError: the failover store applies the fail mode.
 * @example
 * const store = createRedisLimiterStore({ link })
 * const decision = await store.take('rpm:abc', perMinute(60), clock.nowUs())
 */
export function createRedisLimiterStore(options: RedisLimiterStoreOptions): LimiterStore {
  const { link } = options
  const prefix = options.prefix ?? 'infergate:gcra:'

  return {
    async take(key, limit: GcraLimit, nowUs, cost = 1): Promise<GcraDecision> {
      const reply = (await link.evalScript(
        TAKE,
        [prefix + key],
        [nowUs, limit.emissionUs, limit.capacityUs, limit.burst, cost],
      )) as TakeReply
      const [ok, tat, remaining, resetAfterUs, retryAfterUs] = reply.map(toNumber) as TakeReply
      const base = { tat: toNumber(tat), limit: limit.limit, remaining, resetAfterUs }
      if (ok === 1) return { ok: true, ...base }
      return { ok: false, ...base, retryAfterUs, tooLarge: cost > limit.burst }
    },
    async adjust(key, limit, nowUs, delta) {
      if (delta === 0) return
      await link.evalScript(ADJUST, [prefix + key], [nowUs, limit.emissionUs, delta])
    },
    // Redis keeps the shared entries and expires them itself; the count is not worth a scan per /admin/status.
    size: () => 0,
    evictExpired: () => 0,
  }
}
