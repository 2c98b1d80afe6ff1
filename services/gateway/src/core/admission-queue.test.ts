import { describe, expect, test } from 'bun:test'
import { type Admission, createAdmissionQueue } from './admission-queue.ts'
import { createFakeClock } from './clock.ts'

function setup(maxConcurrent = 1, maxQueue = 3, queueTimeoutMs = 1000) {
  const clock = createFakeClock(1_000_000)
  const queue = createAdmissionQueue({ maxConcurrent, maxQueue, queueTimeoutMs, clock, timers: clock })
  return { clock, queue }
}

/** Collects admissions as they settle, in order, without awaiting them one by one. */
function track(promise: Promise<Admission>, log: string[], label: string): Promise<Admission> {
  return promise.then((admission) => {
    log.push(admission.ok ? label : `${label}:${admission.reason}`)
    return admission
  })
}

const permitOf = (admission: Admission) => {
  if (!admission.ok) throw new Error(`expected a permit, got ${admission.reason}`)
  return admission.permit
}

describe('admission queue', () => {
  test('admits up to maxConcurrent at once, then queues', async () => {
    const { queue } = setup(2, 3)
    const a = await queue.acquire()
    const b = await queue.acquire()
    expect(a.ok && b.ok).toBe(true)
    const log: string[] = []
    const c = track(queue.acquire(), log, 'c')
    await Promise.resolve()
    expect(log).toEqual([])
    expect(queue.stats()).toEqual({ inFlight: 2, queued: 1, maxConcurrent: 2, maxQueue: 3 })
    permitOf(a).release()
    expect(permitOf(await c)).toBeDefined()
    expect(queue.stats()).toMatchObject({ inFlight: 2, queued: 0 })
  })

  test('serves higher tiers first and FIFO within a tier, reporting the wait', async () => {
    const { clock, queue } = setup(1, 10)
    const first = permitOf(await queue.acquire())
    const log: string[] = []
    const waiting = [
      track(queue.acquire({ priority: 0 }), log, 'low-1'),
      track(queue.acquire({ priority: 2 }), log, 'high-1'),
      track(queue.acquire({ priority: 0 }), log, 'low-2'),
      track(queue.acquire({ priority: 2 }), log, 'high-2'),
      track(queue.acquire({ priority: 1 }), log, 'mid'),
    ]
    clock.advanceMs(250)
    // Each waiter hands its permit on as soon as it gets it, so the queue drains in its own order.
    for (const next of waiting) void next.then((admission) => permitOf(admission).release())
    first.release()
    await Promise.all(waiting)
    expect(log).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2'])
    expect((await waiting[1])?.waitedMs).toBe(250)
  })

  test('a full queue rejects at once with Retry-After; never grows past maxQueue', async () => {
    const { queue } = setup(1, 2)
    await queue.acquire()
    void queue.acquire()
    void queue.acquire()
    expect(await queue.acquire()).toEqual({
      ok: false,
      reason: 'queue_full',
      retryAfterMs: 1000,
      waitedMs: 0,
    })
    expect(queue.stats().queued).toBe(2)
    expect(queue.tryAcquire()).toBeUndefined()
  })

  test('a higher tier displaces the newest waiter of the lowest tier when the queue is full', async () => {
    const { queue } = setup(1, 2)
    await queue.acquire()
    const log: string[] = []
    const low1 = track(queue.acquire({ priority: 0 }), log, 'low-1')
    const low2 = track(queue.acquire({ priority: 0 }), log, 'low-2')
    void track(queue.acquire({ priority: 5 }), log, 'vip')
    await low2
    expect(log).toEqual(['low-2:queue_full'])
    expect(queue.stats().queued).toBe(2)
    expect(await queue.acquire({ priority: 0 })).toMatchObject({ ok: false, reason: 'queue_full' })
    void low1
  })

  test('a waiter times out after QUEUE_TIMEOUT_MS and leaves the queue', async () => {
    const { clock, queue } = setup(1, 2, 500)
    const held = permitOf(await queue.acquire())
    const waiting = queue.acquire()
    clock.advanceMs(499)
    expect(queue.stats().queued).toBe(1)
    clock.advanceMs(1)
    expect(await waiting).toEqual({ ok: false, reason: 'timeout', retryAfterMs: 1000, waitedMs: 500 })
    expect(queue.stats()).toMatchObject({ queued: 0, inFlight: 1 })
    held.release()
    expect(queue.stats().inFlight).toBe(0)
    expect(clock.pendingTimers()).toBe(0)
  })

  test('a client that goes away while queued gives up its place and its timer', async () => {
    const { clock, queue } = setup(1, 2)
    const held = permitOf(await queue.acquire())
    const controller = new AbortController()
    const waiting = queue.acquire({ signal: controller.signal })
    const behind = queue.acquire()
    controller.abort()
    expect(await waiting).toMatchObject({ ok: false, reason: 'aborted' })
    expect(clock.pendingTimers()).toBe(1)
    held.release()
    expect((await behind).ok).toBe(true)
  })

  test('an already aborted request is not queued', async () => {
    const { queue } = setup(1, 2)
    expect(await queue.acquire({ signal: AbortSignal.abort() })).toMatchObject({
      ok: false,
      reason: 'aborted',
    })
    expect(queue.stats()).toMatchObject({ inFlight: 0, queued: 0 })
  })

  test('double release is harmless: it never frees a second permit', async () => {
    const { queue } = setup(1, 5)
    const permit = permitOf(await queue.acquire())
    const log: string[] = []
    const a = track(queue.acquire(), log, 'a')
    void track(queue.acquire(), log, 'b')
    permit.release()
    permit.release()
    await a
    await Promise.resolve()
    expect(log).toEqual(['a'])
    expect(queue.stats()).toMatchObject({ inFlight: 1, queued: 1 })
  })

  test('tryAcquire is a synchronous fast path that respects the limit', () => {
    const { queue } = setup(2, 0)
    const a = queue.tryAcquire()
    const b = queue.tryAcquire()
    expect(a && b).toBeDefined()
    expect(queue.tryAcquire()).toBeUndefined()
    a?.release()
    expect(queue.tryAcquire()).toBeDefined()
  })

  test('maxQueue 0 rejects as soon as every permit is taken', async () => {
    const { queue } = setup(1, 0)
    await queue.acquire()
    expect(await queue.acquire({ priority: 9 })).toMatchObject({ ok: false, reason: 'queue_full' })
  })

  test('bad options are refused when built', () => {
    const clock = createFakeClock()
    const base = { maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 1, clock, timers: clock }
    expect(() => createAdmissionQueue({ ...base, maxConcurrent: 0 })).toThrow('max concurrent')
    expect(() => createAdmissionQueue({ ...base, maxQueue: -1 })).toThrow('max queue')
    expect(() => createAdmissionQueue({ ...base, queueTimeoutMs: 0 })).toThrow('queue timeout')
  })
})
