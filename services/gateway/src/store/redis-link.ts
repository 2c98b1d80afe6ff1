/**
 * @module The gateway's one connection to Redis, with the failure behaviour every Redis-backed store shares:
 * each call has a short deadline, a failure marks the link down (reported once per transition), calls then fail
 * at once without touching the network, and a background probe brings the link back when Redis answers again.
 */
import type { Timers } from '../core/clock.ts'

/** The part of Bun's RedisClient the gateway uses; a fake in unit tests. */
export interface RedisCommands {
  readonly connected: boolean
  connect(): Promise<void>
  send(command: string, args: string[]): Promise<unknown>
  close(): void
}

/** A Lua script run by SHA (EVALSHA), falling back to EVAL once when Redis does not know it yet. */
export interface LuaScript {
  readonly source: string
  readonly sha: string
}

export const luaScript = (source: string): LuaScript => ({
  source,
  sha: new Bun.CryptoHasher('sha1').update(source).digest('hex'),
})

/** Redis did not answer in time or is unreachable: the caller applies the fail mode. */
export class RedisUnavailableError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`redis unavailable: ${reason}`, options)
    this.name = 'RedisUnavailableError'
  }
}

export interface RedisLink {
  /** True while Redis is considered down: calls fail fast and local fallbacks apply. */
  readonly degraded: boolean
  send(command: string, args: string[]): Promise<unknown>
  /** One EVALSHA round trip; EVAL only the first time a (restarted) Redis lacks the script. */
  evalScript(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>
  close(): void
}

export interface RedisLinkOptions {
  client: RedisCommands
  /** Deadline of every call (REDIS_TIMEOUT_MS): no request waits longer on a dead Redis. */
  timeoutMs: number
  /** How often a down link tries one PING (not per request, so a dead Redis is not hammered). */
  probeIntervalMs: number
  timers: Timers
  onStateChange?: (degraded: boolean, reason: string) => void
}

const isNoScript = (error: unknown): boolean => String(error).includes('NOSCRIPT')

/**
 * @example
 * const link = createRedisLink({ client: new RedisClient(url, { enableOfflineQueue: false }), timeoutMs: 50,
 *   probeIntervalMs: 1000, timers: systemTimers, onStateChange: (down) => gauge.set(down ? 1 : 0) })
 */
export function createRedisLink(options: RedisLinkOptions): RedisLink {
  const { client, timeoutMs, probeIntervalMs, timers } = options
  let degraded = false
  let probeTimer: unknown
  let closed = false

  const withDeadline = <T>(work: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = timers.setTimeout(
        () => reject(new RedisUnavailableError(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      )
      work().then(
        (value) => {
          timers.clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          timers.clearTimeout(timer)
          reject(error)
        },
      )
    })

  const setDegraded = (value: boolean, reason: string): void => {
    if (degraded === value) return
    degraded = value
    options.onStateChange?.(value, reason)
    if (value) scheduleProbe()
  }

  const probe = async (): Promise<void> => {
    probeTimer = undefined
    if (closed) return
    try {
      if (!client.connected) await withDeadline(() => client.connect())
      const answer = await withDeadline(() => client.send('PING', []))
      if (answer !== 'PONG') throw new Error(`unexpected PING answer ${String(answer)}`)
      setDegraded(false, 'redis answered a probe')
    } catch {
      scheduleProbe()
    }
  }

  function scheduleProbe(): void {
    if (closed || probeTimer !== undefined) return
    probeTimer = timers.setTimeout(() => void probe(), probeIntervalMs)
  }

  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    if (degraded) throw new RedisUnavailableError('link is down, waiting for the probe')
    try {
      if (!client.connected) await withDeadline(() => client.connect())
      return await withDeadline(work)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      setDegraded(true, reason)
      throw error instanceof RedisUnavailableError
        ? error
        : new RedisUnavailableError(reason, { cause: error })
    }
  }

  return {
    get degraded() {
      return degraded
    },
    send: (command, args) => call(() => client.send(command, args)),
    evalScript(script, keys, args) {
      const rest = [String(keys.length), ...keys, ...args.map(String)]
      return call(async () => {
        try {
          return await client.send('EVALSHA', [script.sha, ...rest])
        } catch (error) {
          if (!isNoScript(error)) throw error
          return client.send('EVAL', [script.source, ...rest])
        }
      })
    },
    close() {
      closed = true
      if (probeTimer !== undefined) timers.clearTimeout(probeTimer)
      probeTimer = undefined
      client.close()
    },
  }
}
