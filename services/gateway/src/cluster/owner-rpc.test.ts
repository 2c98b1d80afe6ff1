import { describe, expect, test } from 'bun:test'
import { createQuotaLedger } from '../core/quota.ts'
import { createLedgerUsageView } from '../core/usage-view.ts'
import { type Channel, createOwner, createOwnerClient, isOwnerBatch } from './owner-rpc.ts'

const KEY = 'd'.repeat(64)
const NOW = Date.UTC(2026, 0, 1, 12)

/** Two workers' clients and one owner joined by in-memory channels that, like postMessage, deliver later. */
function wire(withQuota = true) {
  const ledger = createQuotaLedger({ dailyQuota: 100, defaultReserve: 10 })
  const flusherStatus = { pendingDeltas: 7, lagMs: 3, consecutiveFailures: 0, failuresTotal: 1 }
  const view = createLedgerUsageView(ledger, () => flusherStatus)
  const owner = createOwner({ quota: withQuota ? ledger : undefined, view })
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
  return { owner, ledger, clients, messages: () => messages }
}

describe('owner rpc', () => {
  test('usage reads from any worker answer from the owner ledger, batched per turn', async () => {
    const { clients, ledger, messages } = wire()
    const [a, b] = clients
    if (!a || !b) throw new Error('clients')
    const held = await a.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 5, maxTokens: 5 })
    const spent = await b.quota.reserve({ keyHash: KEY, nowMs: NOW, promptTokens: 20, maxTokens: 30 })
    if (!held.ok || !spent.ok) throw new Error('admitted')
    b.quota.settle(spent.reservation, { model: 'm', promptTokens: 20, completionTokens: 10 })
    await Bun.sleep(1)
    const sent = messages()
    // The worker that served nothing sees what the other one settled, and its own reservation.
    const [status, usage, summary] = await Promise.all([
      a.view.status(KEY, NOW),
      a.view.usage(KEY, '2026-01-01'),
      a.view.summary(),
    ])
    expect(messages() - sent).toBe(1)
    expect(status).toEqual({ day: '2026-01-01', quota: 100, used: 30, reserved: 10, remaining: 60 })
    expect(usage).toMatchObject([{ model: 'm', promptTokens: 20, completionTokens: 10, requests: 1 }])
    expect(summary).toEqual({ keys: 1, pendingDeltas: 7, lagMs: 3, consecutiveFailures: 0, failuresTotal: 1 })
    expect(await b.view.status(KEY, NOW)).toEqual(ledger.status(KEY, NOW))
    expect(await b.view.usage(KEY, '2026-01-02')).toEqual([])
  })

  test('an unlimited quota crosses the channel as Infinity, not null', async () => {
    const ledger = createQuotaLedger({ dailyQuota: Number.POSITIVE_INFINITY, defaultReserve: 10 })
    const owner = createOwner({
      quota: ledger,
      view: createLedgerUsageView(ledger, () => ({
        pendingDeltas: 0,
        lagMs: 0,
        consecutiveFailures: 0,
        failuresTotal: 0,
      })),
    })
    const toWorker: Channel = { postMessage: (m) => queueMicrotask(() => client.receive(structuredClone(m))) }
    const client = createOwnerClient({
      postMessage: (m) => queueMicrotask(() => void owner.answer(structuredClone(m) as never, toWorker)),
    })
    const status = await client.view.status(KEY, NOW)
    expect(status.quota).toBe(Number.POSITIVE_INFINITY)
    expect(status.remaining).toBe(Number.POSITIVE_INFINITY)
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
