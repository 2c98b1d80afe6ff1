/** @module Messages between the main thread and gateway worker threads (GATEWAY_WORKERS > 1), besides owner calls. */
import type { EnvSource } from '@infergate/config'

export type ToWorker =
  | {
      type: 'init'
      env: EnvSource
      breakerBuffer: SharedArrayBuffer
      /** GCRA state every worker decides on in place (no Redis). */
      limiterBuffer: SharedArrayBuffer
      limiterSlots: number
      /** No Redis: limiter and quota decisions go to the main thread. */
      useOwner: boolean
    }
  | { type: 'metrics-collect'; id: number }
  | { type: 'metrics-text'; id: number; text: string }
  | { type: 'shutdown' }

export type FromWorker =
  | { type: 'ready'; url: string }
  | { type: 'failed'; error: string }
  | { type: 'metrics-request'; id: number }
  | { type: 'metrics-json'; id: number; json: unknown[] }
  | { type: 'stopped'; drained: boolean }

export const isMessage = <T extends { type: string }>(message: unknown): message is T =>
  typeof message === 'object' && message !== null && 'type' in message
