/**
 * @module The simulated engine: the scheduler behind promises (a waiting request resolves when admitted), the
 * engine's health (ok, dead, hung), and the hanging requests to release when the server stops.
 */
import { Scheduler, type SchedulerConfig } from './scheduler.ts'

export type EngineHealth = 'ok' | 'dead' | 'hung'

export type Admission =
  | { id: number; status: 'running' }
  | { id: number; status: 'waiting'; ready: Promise<void> }
  | { id: number; status: 'rejected' }

export class Engine {
  health: EngineHealth = 'ok'
  /** Tokens processed since start, for the periodic stats line. */
  readonly totals = { prompt: 0, generation: 0 }
  readonly scheduler: Scheduler
  private readonly waiters = new Map<number, () => void>()
  private readonly parked = new Map<() => void, 'request' | 'engine'>()
  private nextId = 1

  constructor(config: SchedulerConfig) {
    this.scheduler = new Scheduler(config)
  }

  /** Asks for a running slot; a waiting admission resolves `ready` once the scheduler starts it. */
  admit(promptTokens: number, outputTokens: number): Admission {
    const id = this.nextId++
    const status = this.scheduler.submit({ id, promptTokens, outputTokens })
    if (status !== 'waiting') return { id, status }
    const ready = new Promise<void>((resolve) => this.waiters.set(id, resolve))
    return { id, status, ready }
  }

  progress(id: number, generatedTokens: number): void {
    this.scheduler.progress(id, generatedTokens)
  }

  /** Frees the slot (or queue place) of a finished, failed or aborted request and starts whoever fits. */
  release(id: number): void {
    this.waiters.delete(id)
    for (const admitted of this.scheduler.remove(id)) {
      const resolve = this.waiters.get(admitted)
      this.waiters.delete(admitted)
      resolve?.()
    }
  }

  /**
   * A promise that settles only when `signal` aborts or the engine shuts down: a hang. `cause` tells a wedged
   * engine (released by `recover`) from a request's own `hang` directive (released only by its client).
   */
  park(signal?: AbortSignal, cause: 'request' | 'engine' = 'request'): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.parked.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      this.parked.set(done, cause)
      if (signal?.aborted) done()
      else signal?.addEventListener('abort', done)
    })
  }

  /** Un-wedges the engine: requests it was hanging are released, requests hanging on purpose stay. */
  recover(): void {
    this.health = 'ok'
    for (const [done, cause] of [...this.parked]) if (cause === 'engine') done()
  }

  /** Releases every hang, so that stopping the server never waits on them. */
  shutdown(): void {
    for (const done of [...this.parked.keys()]) done()
  }
}
