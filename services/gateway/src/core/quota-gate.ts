/**
 * @module What admission needs from a quota: reserve before the request, settle or release after. The in-memory
 * ledger answers synchronously; a shared (Redis) quota answers asynchronously. Admission awaits either.
 */
import type { ActualUsage, Reservation, ReserveRequest, ReserveResult, UsageRecord } from './quota.ts'

type MaybePromise<T> = T | Promise<T>

export interface QuotaGate {
  reserve(request: ReserveRequest): MaybePromise<ReserveResult>
  /** Charges real usage; never throws for a shared store that is down (usage is still recorded locally). */
  settle(reservation: Reservation, usage: ActualUsage): UsageRecord | undefined
  release(reservation: Reservation): void
}
