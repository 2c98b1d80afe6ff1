/**
 * @module GCRA state in a SharedArrayBuffer, for worker threads of one process (GATEWAY_WORKERS): every worker
 * decides in place, exactly as one store would, without a message to another thread. An open-addressing table of
 * (64-bit key hash, TAT) slots; each slot has a spin lock held only for one gcraTest/gcraAdjust, and new keys are
 * inserted under one table-wide lock so two workers never give one key two slots. A slot whose TAT has passed is
 * rested, indistinguishable from an empty one, and is reused.
 */
import { type GcraDecision, type GcraLimit, gcraAdjust, gcraTest } from '../core/gcra.ts'
import type { MemoryLimiterStore } from '../core/limiter-store.ts'

/** Slots probed for a key before the least-recently-useful one is taken over (a full neighbourhood). */
const MAX_PROBE = 32
const SLOT_BYTES = 8 + 8 + 4

/** Bytes for a table of `slots` slots (a power of two) plus the insert lock. */
export const sharedLimiterBytes = (slots: number): number => slots * SLOT_BYTES + 4

export interface SharedLimiterOptions {
  buffer: SharedArrayBuffer
  /** Power of two; the same on every thread sharing `buffer`. */
  slots: number
}

function hashKey(key: string): bigint {
  const hash = BigInt.asIntN(64, BigInt(Bun.hash(key)))
  return hash === 0n ? 1n : hash // 0 marks an empty slot
}

/**
 * @example
 * const buffer = new SharedArrayBuffer(sharedLimiterBytes(1 << 19)) // handed to every worker
 * const limiter = createSharedMemoryLimiterStore({ buffer, slots: 1 << 19 })
 */
export function createSharedMemoryLimiterStore(options: SharedLimiterOptions): MemoryLimiterStore {
  const { buffer, slots } = options
  if (!Number.isInteger(Math.log2(slots)) || buffer.byteLength < sharedLimiterBytes(slots))
    throw new RangeError(
      `shared limiter: ${slots} slots need a power of two and ${sharedLimiterBytes(slots)} bytes`,
    )
  const keys = new BigInt64Array(buffer, 0, slots)
  const tats = new BigInt64Array(buffer, slots * 8, slots)
  const locks = new Int32Array(buffer, slots * 16, slots + 1)
  const insertLock = slots
  const mask = slots - 1

  const lock = (index: number) => {
    while (Atomics.compareExchange(locks, index, 0, 1) !== 0) Atomics.wait(locks, index, 1, 1)
  }
  const unlock = (index: number) => {
    Atomics.store(locks, index, 0)
    Atomics.notify(locks, index, 1)
  }
  const rested = (index: number, nowUs: number) => Number(Atomics.load(tats, index)) <= nowUs

  const find = (hash: bigint): number => {
    const start = Number(hash & BigInt(mask))
    for (let probe = 0; probe < MAX_PROBE; probe++) {
      const index = (start + probe) & mask
      const key = Atomics.load(keys, index)
      if (key === hash) return index
      if (key === 0n) return -1
    }
    return -1
  }

  /** The key's slot, inserting it (under the insert lock, re-checked) when absent. */
  const slotOf = (hash: bigint, nowUs: number): number => {
    const found = find(hash)
    if (found !== -1) return found
    lock(insertLock)
    try {
      const again = find(hash)
      if (again !== -1) return again
      const start = Number(hash & BigInt(mask))
      let victim = start
      let victimTat = Number.POSITIVE_INFINITY
      for (let probe = 0; probe < MAX_PROBE; probe++) {
        const index = (start + probe) & mask
        if (Atomics.load(keys, index) === 0n || rested(index, nowUs)) {
          victim = index
          break
        }
        // A full neighbourhood: take over the slot that frees soonest (the least state lost).
        const tat = Number(Atomics.load(tats, index))
        if (tat < victimTat) {
          victim = index
          victimTat = tat
        }
      }
      lock(victim)
      Atomics.store(tats, victim, 0n)
      Atomics.store(keys, victim, hash)
      unlock(victim)
      return victim
    } finally {
      unlock(insertLock)
    }
  }

  /** Runs `update` on the key's stored TAT under its slot lock; retries if the slot was taken over meanwhile. */
  const withSlot = <T>(
    key: string,
    nowUs: number,
    update: (stored: number | undefined) => [T, number | undefined],
  ) => {
    const hash = hashKey(key)
    for (;;) {
      const index = slotOf(hash, nowUs)
      lock(index)
      if (Atomics.load(keys, index) !== hash) {
        unlock(index)
        continue
      }
      const raw = Atomics.load(tats, index)
      const [result, next] = update(raw === 0n ? undefined : Number(raw))
      if (next !== undefined) Atomics.store(tats, index, BigInt(next))
      unlock(index)
      return result
    }
  }

  return {
    take(key, limit: GcraLimit, nowUs, cost = 1): GcraDecision {
      return withSlot(key, nowUs, (stored) => {
        const decision = gcraTest(limit, stored, nowUs, cost)
        return [decision, decision.ok ? decision.tat : undefined]
      })
    },
    adjust(key, limit, nowUs, delta) {
      withSlot(key, nowUs, (stored) => [undefined, gcraAdjust(limit, stored, nowUs, delta)])
    },
    size(): number {
      let live = 0
      for (let index = 0; index < slots; index++) if (Atomics.load(keys, index) !== 0n) live++
      return live
    },
    // Rested slots are reused in place; nothing needs sweeping.
    evictExpired: () => 0,
  }
}
