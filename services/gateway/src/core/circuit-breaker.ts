/**
 * @module Per-upstream circuit breaker: a pure state machine whose state lives in Atomics on a
 * SharedArrayBuffer, so worker threads given the same buffer share one breaker without locks. Time is an input.
 */

export type BreakerState = 'closed' | 'open' | 'half_open'

const CLOSED = 0n
const OPEN = 1n
const HALF_OPEN = 2n
const STATE_NAMES: readonly BreakerState[] = ['closed', 'open', 'half_open']

/**
 * Two BigInt64 slots per breaker. Slot 0 packs `(timeMs << 2) | state` into ONE word, so a single
 * compare-exchange moves state and its deadline together: OPEN carries "open until", HALF_OPEN carries the
 * probe's deadline, CLOSED is exactly 0. Slot 1 counts consecutive failures while closed.
 */
export const BREAKER_SLOTS = 2
export const BREAKER_BYTES = BREAKER_SLOTS * BigInt64Array.BYTES_PER_ELEMENT

const pack = (state: bigint, timeMs: number): bigint => (BigInt(timeMs) << 2n) | state
const stateOf = (word: bigint): bigint => word & 3n
const timeOf = (word: bigint): number => Number(word >> 2n)

export interface BreakerOptions {
  /** Consecutive failures that open the circuit (CB_FAILURE_THRESHOLD). */
  failureThreshold: number
  /** How long an open circuit fails fast before one probe may pass (CB_COOLDOWN_MS). */
  cooldownMs: number
  /** A probe that has not reported by then is presumed lost and another caller may probe (default 30 s). */
  probeTimeoutMs?: number
}

/** `probe: true` marks the single request whose outcome decides a half-open circuit; report it back. */
export type BreakerTicket = { ok: true; probe: boolean } | { ok: false; retryAfterMs: number }

export interface BreakerSnapshot {
  state: BreakerState
  consecutiveFailures: number
  /** For an open circuit, time until a probe may pass; 0 otherwise. */
  retryAfterMs: number
}

export interface CircuitBreaker {
  /** Asks to send a request upstream. Fails fast while open, without touching the upstream. */
  acquire(nowMs: number): BreakerTicket
  /** The upstream answered (any status below 500, see `classifyUpstreamOutcome`). */
  onSuccess(probe: boolean): void
  /** 5xx, connect error or timeout. */
  onFailure(probe: boolean, nowMs: number): void
  /** The outcome says nothing about the upstream (the client went away): a probe's turn passes on at once. */
  onAbandon(probe: boolean, nowMs: number): void
  snapshot(nowMs: number): BreakerSnapshot
  /** True when a request would not be refused now (for routing around open upstreams). */
  isAvailable(nowMs: number): boolean
}

function checkOptions(options: BreakerOptions): Required<BreakerOptions> {
  const { failureThreshold, cooldownMs, probeTimeoutMs = 30_000 } = options
  if (!Number.isSafeInteger(failureThreshold) || failureThreshold < 1) {
    throw new RangeError(`failure threshold must be a positive integer, got ${failureThreshold}`)
  }
  for (const [name, value] of [
    ['cooldown', cooldownMs],
    ['probe timeout', probeTimeoutMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer of ms`)
  }
  return { failureThreshold, cooldownMs, probeTimeoutMs }
}

/**
 * A breaker over `BREAKER_SLOTS` slots of `buffer` starting at slot `offset`. Every transition is a
 * compare-exchange on the packed word, so when callers race exactly one of them wins it.
 * @example
 * const breaker = createCircuitBreaker({ failureThreshold: 5, cooldownMs: 10_000 }, new SharedArrayBuffer(BREAKER_BYTES))
 */
export function createCircuitBreaker(
  options: BreakerOptions,
  buffer: SharedArrayBuffer,
  offset = 0,
): CircuitBreaker {
  const { failureThreshold, cooldownMs, probeTimeoutMs } = checkOptions(options)
  const slots = new BigInt64Array(buffer, offset * BigInt64Array.BYTES_PER_ELEMENT, BREAKER_SLOTS)
  const WORD = 0
  const FAILURES = 1
  const cas = (expected: bigint, next: bigint): boolean =>
    Atomics.compareExchange(slots, WORD, expected, next) === expected

  const open = (from: bigint, nowMs: number): boolean => cas(from, pack(OPEN, nowMs + cooldownMs))

  return {
    acquire(nowMs) {
      for (;;) {
        const word = Atomics.load(slots, WORD)
        const state = stateOf(word)
        if (state === CLOSED) return { ok: true, probe: false }
        const untilMs = timeOf(word)
        if (nowMs < untilMs) {
          // Half-open with a probe in flight: suggest coming back within a cooldown, not a probe timeout.
          const waitMs = state === OPEN ? untilMs - nowMs : Math.min(untilMs - nowMs, cooldownMs)
          return { ok: false, retryAfterMs: waitMs }
        }
        // Cooldown over (or the probe was lost): whoever swaps the word first carries the probe.
        if (cas(word, pack(HALF_OPEN, nowMs + probeTimeoutMs))) return { ok: true, probe: true }
      }
    },
    onSuccess(probe) {
      if (probe) {
        const word = Atomics.load(slots, WORD)
        if (stateOf(word) === HALF_OPEN && cas(word, CLOSED)) Atomics.store(slots, FAILURES, 0n)
        return
      }
      if (Atomics.load(slots, WORD) === CLOSED) Atomics.store(slots, FAILURES, 0n)
    },
    onFailure(probe, nowMs) {
      if (probe) {
        const word = Atomics.load(slots, WORD)
        if (stateOf(word) === HALF_OPEN) open(word, nowMs)
        return
      }
      if (Atomics.load(slots, WORD) !== CLOSED) return // late failures of requests admitted before opening
      const failures = Atomics.add(slots, FAILURES, 1n) + 1n
      if (failures >= BigInt(failureThreshold) && open(CLOSED, nowMs)) Atomics.store(slots, FAILURES, 0n)
    },
    onAbandon(probe, nowMs) {
      if (!probe) return
      const word = Atomics.load(slots, WORD)
      if (stateOf(word) === HALF_OPEN) cas(word, pack(OPEN, nowMs))
    },
    snapshot(nowMs) {
      const word = Atomics.load(slots, WORD)
      const state = stateOf(word)
      return {
        state: STATE_NAMES[Number(state)] ?? 'closed',
        consecutiveFailures: Number(Atomics.load(slots, FAILURES)),
        retryAfterMs: state === OPEN ? Math.max(0, timeOf(word) - nowMs) : 0,
      }
    },
    isAvailable(nowMs) {
      const word = Atomics.load(slots, WORD)
      return word === CLOSED || nowMs >= timeOf(word)
    },
  }
}

export type UpstreamOutcome =
  | { kind: 'response'; status: number }
  | { kind: 'connect_error' }
  | { kind: 'timeout' }
  | { kind: 'client_aborted' }

/** What an upstream outcome means for its breaker: 4xx is the client's fault, so the upstream is healthy. */
export function classifyUpstreamOutcome(outcome: UpstreamOutcome): 'success' | 'failure' | 'abandon' {
  if (outcome.kind === 'response') return outcome.status >= 500 ? 'failure' : 'success'
  return outcome.kind === 'client_aborted' ? 'abandon' : 'failure'
}

export interface BreakerRegistry {
  /** The breaker of an upstream, by its index or URL. Throws for an unknown upstream (a wiring bug). */
  get(upstream: number | string): CircuitBreaker
  /** Per upstream, in order, for /admin/status. */
  snapshot(nowMs: number): Array<BreakerSnapshot & { upstream: string }>
  /** Hand this to worker threads: a registry built on it shares every breaker. */
  readonly buffer: SharedArrayBuffer
}

/**
 * One breaker per upstream over one SharedArrayBuffer (allocated when not given).
 * @example
 * const breakers = createBreakerRegistry(config.upstreamUrls, { failureThreshold: 5, cooldownMs: 10_000 })
 * const ticket = breakers.get(url).acquire(clock.nowMs())
 */
export function createBreakerRegistry(
  upstreams: readonly string[],
  options: BreakerOptions,
  buffer = new SharedArrayBuffer(Math.max(1, upstreams.length) * BREAKER_BYTES),
): BreakerRegistry {
  if (buffer.byteLength < upstreams.length * BREAKER_BYTES) {
    throw new RangeError(
      `breaker buffer holds ${buffer.byteLength} bytes, ${upstreams.length} upstreams need more`,
    )
  }
  const breakers = upstreams.map((_, index) => createCircuitBreaker(options, buffer, index * BREAKER_SLOTS))
  const indexOf = new Map(upstreams.map((url, index) => [url, index]))
  return {
    buffer,
    get(upstream) {
      const index = typeof upstream === 'number' ? upstream : indexOf.get(upstream)
      const breaker = index === undefined ? undefined : breakers[index]
      if (breaker === undefined) throw new Error(`no circuit breaker for upstream ${String(upstream)}`)
      return breaker
    },
    snapshot: (nowMs) =>
      breakers.map((breaker, index) => ({ upstream: upstreams[index] ?? '', ...breaker.snapshot(nowMs) })),
  }
}
