/**
 * @module Admission to the upstream: at most `maxConcurrent` requests in flight, then a bounded queue served
 * by priority (key tier, higher first) and FIFO within a tier. Every wait ends: admitted, rejected because
 * the queue is full, timed out, or cancelled because the client went away. Clock and timers are injected.
 */
import type { Clock, TimerHandle, Timers } from './clock.ts'

export interface AdmissionQueueOptions {
  /** MAX_CONCURRENT_REQUESTS. */
  maxConcurrent: number
  /** MAX_QUEUE; 0 rejects as soon as every permit is taken. */
  maxQueue: number
  /** QUEUE_TIMEOUT_MS. */
  queueTimeoutMs: number
  clock: Clock
  timers: Timers
  /** Retry-After suggested with a rejection (default 1000 ms). */
  retryAfterMs?: number
}

/** Held while a request is upstream; release it on every path. Releasing twice is harmless. */
export interface Permit {
  release(): void
}

export type RejectReason = 'queue_full' | 'timeout' | 'aborted'

export type Admission =
  | { ok: true; permit: Permit; waitedMs: number }
  | { ok: false; reason: RejectReason; retryAfterMs: number; waitedMs: number }

export interface AcquireOptions {
  /** Key tier: higher is served first. Default 0. */
  priority?: number
  /** The client's request signal: a client that leaves while queued gives its place up. */
  signal?: AbortSignal
}

export interface AdmissionStats {
  inFlight: number
  queued: number
  maxConcurrent: number
  maxQueue: number
}

export interface AdmissionQueue {
  acquire(options?: AcquireOptions): Promise<Admission>
  /** Synchronous fast path: a permit when one is free and nobody waits, else undefined. */
  tryAcquire(): Permit | undefined
  stats(): AdmissionStats
}

interface Waiter {
  priority: number
  enqueuedUs: number
  prev: Waiter | undefined
  next: Waiter | undefined
  settle(admission: Admission): void
}

/** A doubly linked FIFO so that a timed-out or cancelled waiter leaves in O(1) and takes its memory with it. */
class Fifo {
  head: Waiter | undefined
  tail: Waiter | undefined
  push(waiter: Waiter): void {
    waiter.prev = this.tail
    waiter.next = undefined
    if (this.tail) this.tail.next = waiter
    else this.head = waiter
    this.tail = waiter
  }
  remove(waiter: Waiter): void {
    if (waiter.prev) waiter.prev.next = waiter.next
    else this.head = waiter.next
    if (waiter.next) waiter.next.prev = waiter.prev
    else this.tail = waiter.prev
    waiter.prev = undefined
    waiter.next = undefined
  }
}

function checkOptions(options: AdmissionQueueOptions): void {
  const { maxConcurrent, maxQueue, queueTimeoutMs } = options
  if (!Number.isSafeInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new RangeError(`max concurrent requests must be a positive integer, got ${maxConcurrent}`)
  }
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0)
    throw new RangeError(`max queue must be 0 or more, got ${maxQueue}`)
  if (!Number.isSafeInteger(queueTimeoutMs) || queueTimeoutMs < 1) {
    throw new RangeError(`queue timeout must be a positive integer of ms, got ${queueTimeoutMs}`)
  }
}

/**
 * @example
 * const queue = createAdmissionQueue({ maxConcurrent: 64, maxQueue: 256, queueTimeoutMs: 30_000, clock, timers })
 * const admission = await queue.acquire({ priority: tier, signal: request.signal })
 * if (!admission.ok) throw new OverloadedError(admission.retryAfterMs)
 * try { return await forward() } finally { admission.permit.release() }
 */
export function createAdmissionQueue(options: AdmissionQueueOptions): AdmissionQueue {
  checkOptions(options)
  const { maxConcurrent, maxQueue, queueTimeoutMs, clock, timers, retryAfterMs = 1000 } = options
  const tiers = new Map<number, Fifo>()
  let priorities: number[] = [] // descending
  let inFlight = 0
  let queued = 0

  const waitedMs = (waiter: Waiter): number => (clock.nowUs() - waiter.enqueuedUs) / 1000

  const createPermit = (): Permit => {
    inFlight++
    let released = false
    return {
      release() {
        if (released) return
        released = true
        inFlight--
        dispatch()
      },
    }
  }

  const tierOf = (priority: number): Fifo => {
    let fifo = tiers.get(priority)
    if (fifo === undefined) {
      fifo = new Fifo()
      tiers.set(priority, fifo)
      priorities = [...tiers.keys()].sort((a, b) => b - a)
    }
    return fifo
  }

  const unlink = (waiter: Waiter): void => {
    tiers.get(waiter.priority)?.remove(waiter)
    queued--
  }

  const firstWaiter = (): Waiter | undefined => {
    for (const priority of priorities) {
      const head = tiers.get(priority)?.head
      if (head) return head
    }
    return undefined
  }

  function dispatch(): void {
    while (inFlight < maxConcurrent) {
      const waiter = firstWaiter()
      if (waiter === undefined) return
      unlink(waiter)
      waiter.settle({ ok: true, permit: createPermit(), waitedMs: waitedMs(waiter) })
    }
  }

  /** The newest waiter of the lowest tier, if it ranks below `priority`: the one a newcomer may displace. */
  const displaceable = (priority: number): Waiter | undefined => {
    for (let i = priorities.length - 1; i >= 0; i--) {
      const tier = priorities[i] ?? 0
      if (tier >= priority) return undefined
      const tail = tiers.get(tier)?.tail
      if (tail) return tail
    }
    return undefined
  }

  return {
    tryAcquire() {
      return inFlight < maxConcurrent && queued === 0 ? createPermit() : undefined
    },
    acquire({ priority = 0, signal } = {}) {
      if (signal?.aborted) return Promise.resolve({ ok: false, reason: 'aborted', retryAfterMs, waitedMs: 0 })
      if (inFlight < maxConcurrent && queued === 0) {
        return Promise.resolve({ ok: true, permit: createPermit(), waitedMs: 0 })
      }
      if (queued >= maxQueue) {
        const victim = displaceable(priority)
        if (victim === undefined)
          return Promise.resolve({ ok: false, reason: 'queue_full', retryAfterMs, waitedMs: 0 })
        unlink(victim)
        victim.settle({ ok: false, reason: 'queue_full', retryAfterMs, waitedMs: waitedMs(victim) })
      }
      return new Promise<Admission>((resolve) => {
        let timer: TimerHandle | undefined
        const onAbort = (): void => {
          unlink(waiter)
          waiter.settle({ ok: false, reason: 'aborted', retryAfterMs, waitedMs: waitedMs(waiter) })
        }
        const waiter: Waiter = {
          priority,
          enqueuedUs: clock.nowUs(),
          prev: undefined,
          next: undefined,
          settle(admission) {
            timers.clearTimeout(timer)
            signal?.removeEventListener('abort', onAbort)
            resolve(admission)
          },
        }
        tierOf(priority).push(waiter)
        queued++
        timer = timers.setTimeout(() => {
          unlink(waiter)
          waiter.settle({ ok: false, reason: 'timeout', retryAfterMs, waitedMs: waitedMs(waiter) })
        }, queueTimeoutMs)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    stats: () => ({ inFlight, queued, maxConcurrent, maxQueue }),
  }
}
