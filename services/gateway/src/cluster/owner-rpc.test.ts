import { describe, expect, test } from 'bun:test'
import { perSecond } from '../core/gcra.ts'
import { createMemoryLimiterStore } from '../core/limiter-store.ts'
import { createQuotaLedger } from '../core/quota.ts'
import { type Channel, createOwner, createOwnerClient, isOwnerBatch } from './owner-rpc.ts'

const KEY = 'd'.repeat(64)
const NOW = Date.UTC(2026, 0, 1, 12)

/** Two workers' clients and one owner joined by in-memory channels that, like postMessage, deliver later. */
function wire(withQuota = true) {
  const limiter = createMemoryLimiterStore()
  const ledger = createQuotaLedger({ dailyQuota: 100, defaultReserve: 10 })
  const owner = createOwner({ limiter, quota: withQuota ? ledger : undefined })
  let messages = 0
  const clients = [0, 1].map(() => {
    const toWorker: Channel = { postMessage: (m) => queueMicrotask(() => client.receive(structuredClone(m))) }
    const toOwner: Channel = {
      postMessage: (m) =>
        queueMicrotask(() => {
          const copy: unknown = structuredClone(m)
          messages++
          if (isOwnerBatch(copy)) void owner.answer(copy, toWorker)
        }),
    }
    const client = createOwnerClient(toOwner)
    return client
  })
  return { owner, ledger, limiter, clients, messages: () => messages }
}

describe('owner rpc', () => {
  test('two workers share one limiter: a burst is spent once across both', async () => {
    const { clients, limiter, messages } = wire()
    const limit = perSecond(1, 4)
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => clients[i % 2]?.limiter.take('ip:x', limit, 0, 1)),
    )
    expect(results.filter((r) => r?.ok).length).toBe(4)
    // Calls made in one turn travel together: one message per worker, not one per call.
    expect(messages()).toBe(2)
    await clients[0]?.limiter.adjust('ip:x', limit, 0, -4)
    expect(limiter.size()).toBe(0)
    expect(clients[0]?.limiter.size()).toBe(0)
    expect(clients[0]?.limiter.evictExpired(0)).toBe(0)
  })

  test('reservations cross the channel by id; settle charges the owner ledger once, release frees', async () => {
    const { clients, ledger, owner } = wire()
    const [a, b] = clients
    if (!a || !b) throw new Error('clients')
    const first = await a.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 20, maxTokens: 30 })
    const second = await b.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 20, maxTokens: 30 })
    expect(first.ok && second.ok).toBe(true)
    expect((await b.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 1, maxTokens: 1 })).ok).toBe(
      false,
    )
    expect(owner.held()).toBe(2)
    if (!first.ok || !second.ok) throw new Error('admitted')
    a.quota.settle(first.reservation, { model: 'm', promptTokens: 20, completionTokens: 10 })
    a.quota.settle(first.reservation, { model: 'm', promptTokens: 20, completionTokens: 10 })
    b.quota.release(second.reservation)
    b.quota.release(second.reservation)
    await Bun.sleep(1)
    expect(owner.held()).toBe(0)
    expect(ledger.status(KEY, NOW)).toMatchObject({ used: 30, reserved: 0 })
    expect(ledger.takeDeltas()).toHaveLength(1)
  })

  test('an owner error is returned to the caller, and unrelated messages are not taken as replies', async () => {
    const { clients } = wire(false)
    await expect(clients[0]?.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 1 })).rejects.toThrow(
      'no quota configured',
    )
    expect(clients[0]?.receive({ type: 'shutdown' })).toBe(false)
    expect(clients[0]?.receive({ ownerReplies: [{ rpc: 999, ok: true, value: 1 }] })).toBe(true)
    expect(
      clients[0]?.quota.settle(
        { keyHash: KEY, day: 'x', granted: 1 },
        { model: 'm', promptTokens: 1, completionTokens: 1 },
      ),
    ).toBeUndefined()
  })
})
