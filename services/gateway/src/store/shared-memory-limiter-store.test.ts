import { describe, expect, test } from 'bun:test'
import { perMinute, perSecond } from '../core/gcra.ts'
import { createMemoryLimiterStore } from '../core/limiter-store.ts'
import { createSharedMemoryLimiterStore, sharedLimiterBytes } from './shared-memory-limiter-store.ts'

const shared = (slots = 1024) =>
  createSharedMemoryLimiterStore({ buffer: new SharedArrayBuffer(sharedLimiterBytes(slots)), slots })

describe('shared-memory limiter store', () => {
  test('decides exactly like the memory store on a random multi-key sequence', () => {
    const store = shared(64) // small, so probing, reuse of rested slots and takeovers all happen
    const reference = createMemoryLimiterStore()
    const limit = perSecond(20, 5)
    let state = 7
    const next = () => {
      state = (state * 1103515245 + 12345) >>> 0
      return state / 2 ** 32
    }
    let nowUs = 1_000_000
    for (let i = 0; i < 5_000; i++) {
      nowUs += Math.floor(next() * 20_000)
      const key = `ip:${Math.floor(next() * 40)}`
      if (next() < 0.1) {
        const delta = Math.floor((next() - 0.5) * 6)
        store.adjust(key, limit, nowUs, delta)
        reference.adjust(key, limit, nowUs, delta)
        continue
      }
      const cost = 1 + Math.floor(next() * 3)
      expect({ i, ...store.take(key, limit, nowUs, cost) }).toEqual({
        i,
        ...reference.take(key, limit, nowUs, cost),
      })
    }
    expect(store.size()).toBeLessThanOrEqual(64)
    expect(store.evictExpired(nowUs)).toBe(0)
  })

  test('two views of one buffer (as two workers hold) share every key', () => {
    const buffer = new SharedArrayBuffer(sharedLimiterBytes(256))
    const a = createSharedMemoryLimiterStore({ buffer, slots: 256 })
    const b = createSharedMemoryLimiterStore({ buffer, slots: 256 })
    const limit = perMinute(60, 3)
    expect([a, b, a, b].map((store) => store.take('rpm:k', limit, 0).ok)).toEqual([true, true, true, false])
    b.adjust('rpm:k', limit, 0, -3)
    expect(a.take('rpm:k', limit, 0, 3).ok).toBe(true)
  })

  test('a full neighbourhood takes over the slot that frees soonest instead of failing', () => {
    const store = shared(32)
    const limit = perMinute(1, 1) // each admitted key stays live for a minute
    for (let i = 0; i < 100; i++) expect(store.take(`ip:${i}`, limit, 0).ok).toBe(true)
    expect(store.size()).toBe(32)
  })

  test('refuses a table that is not a power of two or does not fit its buffer', () => {
    expect(() =>
      createSharedMemoryLimiterStore({ buffer: new SharedArrayBuffer(1 << 16), slots: 1000 }),
    ).toThrow(RangeError)
    expect(() => createSharedMemoryLimiterStore({ buffer: new SharedArrayBuffer(64), slots: 1024 })).toThrow(
      RangeError,
    )
  })

  test('racing worker threads on one key admit exactly the burst, never more', async () => {
    const workerCode = `
import { createSharedMemoryLimiterStore } from '${new URL('./shared-memory-limiter-store.ts', import.meta.url).pathname}'
import { perMinute } from '${new URL('../core/gcra.ts', import.meta.url).pathname}'
self.onmessage = (event) => {
  const { buffer, gate } = event.data
  const store = createSharedMemoryLimiterStore({ buffer, slots: 1024 })
  const limit = perMinute(1, 500)
  const start = new Int32Array(gate)
  Atomics.add(start, 1, 1)
  Atomics.wait(start, 0, 0)
  let admitted = 0
  for (let i = 0; i < 2000; i++) {
    if (store.take('rpm:hot', limit, 1000).ok) admitted++
    store.take('ip:' + i, limit, 1000) // new keys inserted concurrently, too
  }
  postMessage(admitted)
}`
    const url = URL.createObjectURL(new Blob([workerCode], { type: 'application/typescript' }))
    const workers = Array.from({ length: 3 }, () => new Worker(url))
    try {
      const buffer = new SharedArrayBuffer(sharedLimiterBytes(1024))
      const gate = new SharedArrayBuffer(8)
      const start = new Int32Array(gate)
      const results = workers.map(
        (worker) =>
          new Promise<number>((resolve) => {
            worker.onmessage = (event: MessageEvent<number>) => resolve(event.data)
            worker.postMessage({ buffer, gate })
          }),
      )
      const deadline = Date.now() + 10_000
      while (Atomics.load(start, 1) < workers.length && Date.now() < deadline) await Bun.sleep(1)
      Atomics.store(start, 0, 1)
      Atomics.notify(start, 0)
      const admitted = await Promise.all(results)
      expect(admitted.reduce((sum, n) => sum + n, 0)).toBe(500)
    } finally {
      for (const worker of workers) worker.terminate()
    }
  }, 20_000)
})
