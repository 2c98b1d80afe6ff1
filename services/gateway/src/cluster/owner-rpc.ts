/**
 * @module GATEWAY_WORKERS without Redis: the main thread owns the quota ledger, and worker threads ask it per
 * reservation and per usage read over their message channel. One owner means one state: quotas are not
 * multiplied by the worker count, usage is recorded (and flushed) once, and /v1/usage is exact whichever worker
 * answers. This file holds both ends of that channel.
 */
import type { ActualUsage, Reservation, ReserveRequest, ReserveResult } from '../core/quota.ts'
import type { QuotaGate } from '../core/quota-gate.ts'
import type { UsageView } from '../core/usage-view.ts'

/** A message channel end: a Worker (main side) or the worker's global scope (worker side). */
export interface Channel {
  postMessage(message: unknown): void
}

export type OwnerCall =
  | { rpc: number; op: 'reserve'; request: ReserveRequest }
  | { rpc: number; op: 'settle'; reservation: number; usage: ActualUsage }
  | { rpc: number; op: 'release'; reservation: number }
  | { rpc: number; op: 'status'; keyHash: string; nowMs: number }
  | { rpc: number; op: 'usage'; keyHash: string; day: string }
  | { rpc: number; op: 'summary' }

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export type OwnerReply = { rpc: number; ok: true; value: unknown } | { rpc: number; ok: false; error: string }

/**
 * Calls travel in batches: every call a worker makes in one turn of its event loop goes in one message, and the
 * owner answers a batch with one message, so a busy worker pays one postMessage per turn, not per request.
 */
export interface OwnerBatch {
  ownerCalls: OwnerCall[]
}
interface ReplyBatch {
  ownerReplies: OwnerReply[]
}

export const isOwnerBatch = (message: unknown): message is OwnerBatch =>
  typeof message === 'object' && message !== null && 'ownerCalls' in message

/** Reservations cross the channel as ids: the owner keeps the objects its ledger knows. */
type WireReserveResult =
  | { ok: true; reservation: Reservation & { id: number }; completionBudget: number | undefined }
  | Extract<ReserveResult, { ok: false }>

/**
 * Owner side: answers one call. Settle and release are fire-and-forget from the worker (they need no answer
 * to finish the response), but are still acknowledged so a test can wait for them.
 */
export function createOwner(options: { quota: QuotaGate | undefined; view: UsageView }) {
  const { quota, view } = options
  const held = new Map<number, Reservation>()
  let nextId = 1

  const run = async (call: OwnerCall): Promise<unknown> => {
    switch (call.op) {
      case 'status':
        return view.status(call.keyHash, call.nowMs)
      case 'usage':
        return view.usage(call.keyHash, call.day)
      case 'summary':
        return view.summary()
      case 'reserve': {
        if (!quota) throw new Error('no quota configured')
        const result = await quota.reserve(call.request)
        if (!result.ok) return result
        const id = nextId++
        held.set(id, result.reservation)
        return { ...result, reservation: { ...result.reservation, id } } satisfies WireReserveResult
      }
      case 'settle': {
        const reservation = held.get(call.reservation)
        held.delete(call.reservation)
        return reservation ? quota?.settle(reservation, call.usage) : undefined
      }
      case 'release': {
        const reservation = held.get(call.reservation)
        held.delete(call.reservation)
        if (reservation) quota?.release(reservation)
        return undefined
      }
    }
  }

  return {
    /** Reservations a worker still holds (a worker that died mid-request leaves them until restart). */
    held: () => held.size,
    /** Runs a batch in order (each call's state change happens before the next starts) and answers it at once. */
    async answer(batch: OwnerBatch, channel: Channel): Promise<void> {
      const replies = await Promise.all(
        batch.ownerCalls.map((call) =>
          run(call).then(
            (value): OwnerReply => ({ rpc: call.rpc, ok: true, value }),
            (error: unknown): OwnerReply => ({
              rpc: call.rpc,
              ok: false,
              error: error instanceof Error ? error.message : String(error),
            }),
          ),
        ),
      )
      channel.postMessage({ ownerReplies: replies } satisfies ReplyBatch)
    },
  }
}

/**
 * Worker side: a QuotaGate and a UsageView whose every call is one message to the owner. Feed every
 * message the worker receives to `receive`; it returns false for messages that are not replies.
 */
export function createOwnerClient(channel: Channel) {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextRpc = 1
  let queued: OwnerCall[] = []
  const flush = () => {
    const ownerCalls = queued
    queued = []
    channel.postMessage({ ownerCalls } satisfies OwnerBatch)
  }
  const call = <T>(body: DistributiveOmit<OwnerCall, 'rpc'>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const rpc = nextRpc++
      pending.set(rpc, { resolve: resolve as (value: unknown) => void, reject })
      if (queued.length === 0) queueMicrotask(flush)
      queued.push({ ...body, rpc } as OwnerCall)
    })
  const reservationIds = new WeakMap<Reservation, number>()

  const view: UsageView = {
    status: (keyHash, nowMs) => call({ op: 'status', keyHash, nowMs }),
    usage: (keyHash, day) => call({ op: 'usage', keyHash, day }),
    summary: () => call({ op: 'summary' }),
  }
  const quota: QuotaGate = {
    async reserve(request) {
      const result = await call<WireReserveResult>({ op: 'reserve', request })
      if (!result.ok) return result
      const { id, ...reservation } = result.reservation
      reservationIds.set(reservation, id)
      return { ...result, reservation }
    },
    settle(reservation, usage) {
      const id = reservationIds.get(reservation)
      if (id === undefined) return undefined
      reservationIds.delete(reservation)
      void call({ op: 'settle', reservation: id, usage }).catch(() => {})
      return undefined
    },
    release(reservation) {
      const id = reservationIds.get(reservation)
      if (id === undefined) return
      reservationIds.delete(reservation)
      void call({ op: 'release', reservation: id }).catch(() => {})
    },
  }

  return {
    quota,
    view,
    receive(message: unknown): boolean {
      if (typeof message !== 'object' || message === null || !('ownerReplies' in message)) return false
      for (const reply of (message as ReplyBatch).ownerReplies) {
        const waiter = pending.get(reply.rpc)
        if (!waiter) continue
        pending.delete(reply.rpc)
        if (reply.ok) waiter.resolve(reply.value)
        else waiter.reject(new Error(reply.error))
      }
      return true
    },
  }
}
