import { describe, expect, test } from 'bun:test'
import {
  BREAKER_BYTES,
  classifyUpstreamOutcome,
  createBreakerRegistry,
  createCircuitBreaker,
} from './circuit-breaker.ts'

const options = { failureThreshold: 3, cooldownMs: 1000, probeTimeoutMs: 5000 }
const T0 = 1_800_000_000_000

function openBreaker() {
  const breaker = createCircuitBreaker(options, new SharedArrayBuffer(BREAKER_BYTES))
  for (let i = 0; i < 3; i++) breaker.onFailure(false, T0)
  return breaker
}

describe('circuit breaker transitions', () => {
  test('closed stays closed below the threshold and a success resets the count', () => {
    const breaker = createCircuitBreaker(options, new SharedArrayBuffer(BREAKER_BYTES))
    breaker.onFailure(false, T0)
    breaker.onFailure(false, T0)
    expect(breaker.snapshot(T0)).toEqual({ state: 'closed', consecutiveFailures: 2, retryAfterMs: 0 })
    breaker.onSuccess(false)
    breaker.onFailure(false, T0)
    breaker.onFailure(false, T0)
    expect(breaker.acquire(T0)).toEqual({ ok: true, probe: false })
    expect(breaker.snapshot(T0).state).toBe('closed')
  })

  test('closed → open after N consecutive failures; open fails fast with the remaining cooldown', () => {
    const breaker = openBreaker()
    expect(breaker.snapshot(T0)).toEqual({ state: 'open', consecutiveFailures: 0, retryAfterMs: 1000 })
    expect(breaker.acquire(T0 + 400)).toEqual({ ok: false, retryAfterMs: 600 })
    expect(breaker.isAvailable(T0 + 999)).toBe(false)
    expect(breaker.isAvailable(T0 + 1000)).toBe(true)
  })

  test('after the cooldown exactly one caller gets the probe; the others keep failing fast', () => {
    const breaker = openBreaker()
    const tickets = Array.from({ length: 10 }, () => breaker.acquire(T0 + 1000))
    expect(tickets.filter((t) => t.ok)).toEqual([{ ok: true, probe: true }])
    expect(tickets.filter((t) => !t.ok)).toHaveLength(9)
    expect(breaker.snapshot(T0 + 1000).state).toBe('half_open')
    expect(breaker.acquire(T0 + 1500)).toEqual({ ok: false, retryAfterMs: 1000 })
  })

  test('half-open → closed when the probe succeeds', () => {
    const breaker = openBreaker()
    const probe = breaker.acquire(T0 + 1000)
    expect(probe).toEqual({ ok: true, probe: true })
    breaker.onSuccess(true)
    expect(breaker.snapshot(T0 + 1001)).toEqual({ state: 'closed', consecutiveFailures: 0, retryAfterMs: 0 })
    expect(breaker.acquire(T0 + 1001)).toEqual({ ok: true, probe: false })
  })

  test('half-open → open again for a full cooldown when the probe fails', () => {
    const breaker = openBreaker()
    breaker.acquire(T0 + 1000)
    breaker.onFailure(true, T0 + 1200)
    expect(breaker.snapshot(T0 + 1200)).toMatchObject({ state: 'open', retryAfterMs: 1000 })
    expect(breaker.acquire(T0 + 2199)).toEqual({ ok: false, retryAfterMs: 1 })
    expect(breaker.acquire(T0 + 2200)).toEqual({ ok: true, probe: true })
  })

  test('late outcomes of requests admitted before opening do not move the state', () => {
    const breaker = openBreaker()
    breaker.onFailure(false, T0 + 10)
    breaker.onSuccess(false)
    expect(breaker.snapshot(T0 + 10)).toMatchObject({ state: 'open', retryAfterMs: 990 })
    breaker.acquire(T0 + 1000)
    breaker.onSuccess(false)
    breaker.onFailure(false, T0 + 1000)
    expect(breaker.snapshot(T0 + 1000).state).toBe('half_open')
  })

  test('a probe abandoned by its client hands the probe to the next caller at once', () => {
    const breaker = openBreaker()
    breaker.acquire(T0 + 1000)
    breaker.onAbandon(true, T0 + 1100)
    breaker.onAbandon(false, T0 + 1100)
    expect(breaker.acquire(T0 + 1100)).toEqual({ ok: true, probe: true })
  })

  test('a lost probe (never reported) is replaced after the probe timeout', () => {
    const breaker = openBreaker()
    breaker.acquire(T0 + 1000)
    expect(breaker.acquire(T0 + 5999).ok).toBe(false)
    expect(breaker.acquire(T0 + 6000)).toEqual({ ok: true, probe: true })
    expect(breaker.acquire(T0 + 6000).ok).toBe(false)
  })

  test('two breakers over one buffer (as two workers would hold) share the state', () => {
    const buffer = new SharedArrayBuffer(BREAKER_BYTES)
    const workerA = createCircuitBreaker(options, buffer)
    const workerB = createCircuitBreaker(options, buffer)
    workerA.onFailure(false, T0)
    workerB.onFailure(false, T0)
    workerA.onFailure(false, T0)
    expect(workerB.acquire(T0).ok).toBe(false)
    expect(workerA.acquire(T0 + 1000)).toEqual({ ok: true, probe: true })
    expect(workerB.acquire(T0 + 1000).ok).toBe(false)
    workerA.onSuccess(true)
    expect(workerB.snapshot(T0 + 1000).state).toBe('closed')
  })

  test('bad options are refused when built', () => {
    const buffer = new SharedArrayBuffer(BREAKER_BYTES)
    expect(() => createCircuitBreaker({ failureThreshold: 0, cooldownMs: 1 }, buffer)).toThrow('threshold')
    expect(() => createCircuitBreaker({ failureThreshold: 1, cooldownMs: 0 }, buffer)).toThrow('cooldown')
    expect(() =>
      createCircuitBreaker({ failureThreshold: 1, cooldownMs: 1, probeTimeoutMs: 1.5 }, buffer),
    ).toThrow('probe timeout')
  })
})

describe('breaker registry', () => {
  test('keeps one independent breaker per upstream, by index or URL', () => {
    const registry = createBreakerRegistry(['http://a', 'http://b'], options)
    for (let i = 0; i < 3; i++) registry.get('http://a').onFailure(false, T0)
    expect(registry.get(0).acquire(T0).ok).toBe(false)
    expect(registry.get(1).acquire(T0).ok).toBe(true)
    expect(registry.snapshot(T0)).toEqual([
      { upstream: 'http://a', state: 'open', consecutiveFailures: 0, retryAfterMs: 1000 },
      { upstream: 'http://b', state: 'closed', consecutiveFailures: 0, retryAfterMs: 0 },
    ])
    expect(() => registry.get('http://c')).toThrow('no circuit breaker for upstream http://c')
    expect(() => registry.get(2)).toThrow('upstream 2')
  })

  test('a registry over a shared buffer sees the other registry’s state; a short buffer is refused', () => {
    const first = createBreakerRegistry(['u1', 'u2'], options)
    const second = createBreakerRegistry(['u1', 'u2'], options, first.buffer)
    for (let i = 0; i < 3; i++) first.get('u2').onFailure(false, T0)
    expect(second.get('u2').snapshot(T0).state).toBe('open')
    expect(() => createBreakerRegistry(['u1', 'u2'], options, new SharedArrayBuffer(BREAKER_BYTES))).toThrow(
      RangeError,
    )
  })
})

describe('classifyUpstreamOutcome', () => {
  test('5xx, connect errors and timeouts are failures; 4xx is not; a client abort says nothing', () => {
    expect(classifyUpstreamOutcome({ kind: 'response', status: 200 })).toBe('success')
    expect(classifyUpstreamOutcome({ kind: 'response', status: 429 })).toBe('success')
    expect(classifyUpstreamOutcome({ kind: 'response', status: 500 })).toBe('failure')
    expect(classifyUpstreamOutcome({ kind: 'response', status: 503 })).toBe('failure')
    expect(classifyUpstreamOutcome({ kind: 'connect_error' })).toBe('failure')
    expect(classifyUpstreamOutcome({ kind: 'timeout' })).toBe('failure')
    expect(classifyUpstreamOutcome({ kind: 'client_aborted' })).toBe('abandon')
  })
})

describe('circuit breaker across worker threads', () => {
  const workerCode = `
import { createCircuitBreaker } from '${new URL('./circuit-breaker.ts', import.meta.url).pathname}'
self.onmessage = (event) => {
  const { buffer, gate, nowMs, attempts } = event.data
  const breaker = createCircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, probeTimeoutMs: 5000 }, buffer)
  const start = new Int32Array(gate)
  Atomics.add(start, 1, 1)
  Atomics.wait(start, 0, 0) // every worker leaves this line together, then they race
  let probes = 0
  for (let i = 0; i < attempts; i++) {
    const ticket = breaker.acquire(nowMs)
    if (ticket.ok && ticket.probe) probes++
  }
  postMessage(probes)
}`

  test('racing workers on one shared breaker: exactly one of them gets the half-open probe', async () => {
    const url = URL.createObjectURL(new Blob([workerCode], { type: 'application/typescript' }))
    const workers = Array.from({ length: 4 }, () => new Worker(url))
    try {
      for (let round = 0; round < 5; round++) {
        const buffer = new SharedArrayBuffer(BREAKER_BYTES)
        const breaker = createCircuitBreaker(options, buffer)
        for (let i = 0; i < 3; i++) breaker.onFailure(false, T0)
        const gate = new SharedArrayBuffer(8)
        const start = new Int32Array(gate)
        const results = workers.map(
          (worker) =>
            new Promise<number>((resolve) => {
              worker.onmessage = (event: MessageEvent<number>) => resolve(event.data)
              worker.postMessage({ buffer, gate, nowMs: T0 + 1000, attempts: 2000 })
            }),
        )
        const deadline = Date.now() + 10_000
        while (Atomics.load(start, 1) < workers.length && Date.now() < deadline) await Bun.sleep(1)
        Atomics.store(start, 0, 1)
        Atomics.notify(start, 0)
        const probes = await Promise.all(results)
        expect(probes.reduce((sum, n) => sum + n, 0)).toBe(1)
        expect(breaker.snapshot(T0 + 1000).state).toBe('half_open')
      }
    } finally {
      for (const worker of workers) worker.terminate()
    }
  })
})
