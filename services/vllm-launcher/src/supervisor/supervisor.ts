/**
 * @module Runs the watchdog state machine for one instance: performs its effects (spawn, signal, probe, timers)
 * and feeds the results back. Clock, spawn and probe are injected, so tests drive it with fakes.
 */
import type { SupervisorPolicy } from '../config.ts'
import {
  type Effect,
  type ExitStatus,
  type InstanceState,
  initialState,
  type Note,
  type Signal,
  type SupervisorEvent,
  step,
  type TimerName,
} from './transition.ts'

export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface ChildHandle {
  readonly pid: number | undefined
  readonly exited: Promise<ExitStatus>
  kill(signal: Signal): void
}

export interface ProbeResult {
  readonly ok: boolean
  /** `200`, `503`, `refused`, `timeout`: for logs. */
  readonly detail: string
}

export interface SupervisorDeps {
  readonly policy: SupervisorPolicy
  readonly clock: Clock
  readonly random: () => number
  /** Starts the child; may throw (missing executable), which counts as a crash. */
  readonly spawn: (generation: number) => ChildHandle
  readonly probe: () => Promise<ProbeResult>
  /** Every note with the state after it; logs and metrics hang off this. */
  readonly onNote: (note: Note, state: InstanceState) => void
  readonly onSpawnError?: (error: unknown) => void
}

export interface Supervisor {
  start(): void
  /** Stops the child (SIGTERM, SIGKILL after the grace) and resolves once it has exited. */
  stop(): Promise<void>
  /** SIGKILL now (the operator asked twice); the exit is still handled as usual. */
  kill(): void
  state(): InstanceState
  pid(): number | undefined
}

/** Creates the runtime for one instance; nothing happens until start(). */
export function createSupervisor(deps: SupervisorDeps): Supervisor {
  let state = initialState
  let child: ChildHandle | undefined
  const timers = new Map<TimerName, unknown>()
  const stopWaiters: (() => void)[] = []

  const cancel = (timer: TimerName) => {
    if (timers.has(timer)) deps.clock.clearTimeout(timers.get(timer))
    timers.delete(timer)
  }

  function dispatch(event: SupervisorEvent): void {
    const result = step(state, event, { now: deps.clock.now(), random: deps.random(), policy: deps.policy })
    state = result.state
    for (const effect of result.effects) perform(effect)
    if (state.phase === 'stopped' && !state.running) for (const resolve of stopWaiters.splice(0)) resolve()
  }

  function perform(effect: Effect): void {
    switch (effect.type) {
      case 'spawn':
        launch(effect.generation)
        return
      case 'signal':
        child?.kill(effect.signal)
        return
      case 'probe': {
        const { generation } = effect
        deps.probe().then(
          (result) => dispatch({ type: 'probed', generation, ...result }),
          (error: unknown) => dispatch({ type: 'probed', generation, ok: false, detail: String(error) }),
        )
        return
      }
      case 'schedule':
        cancel(effect.timer)
        timers.set(
          effect.timer,
          deps.clock.setTimeout(() => {
            timers.delete(effect.timer)
            dispatch({ type: 'timer', timer: effect.timer })
          }, effect.delayMs),
        )
        return
      case 'cancel':
        cancel(effect.timer)
        return
      case 'notify':
        deps.onNote(effect.note, state)
        return
    }
  }

  function launch(generation: number): void {
    try {
      const spawned = deps.spawn(generation)
      child = spawned
      spawned.exited.then((status) => dispatch({ type: 'exited', generation, ...status }))
    } catch (error) {
      child = undefined
      deps.onSpawnError?.(error)
      // Reported after the current dispatch finishes, as a real exit would be.
      queueMicrotask(() => dispatch({ type: 'exited', generation, code: 127, signal: null }))
    }
  }

  return {
    start: () => dispatch({ type: 'start' }),
    stop() {
      const stopped = new Promise<void>((resolve) => stopWaiters.push(resolve))
      dispatch({ type: 'stop' })
      if (state.phase === 'stopped' && !state.running) for (const resolve of stopWaiters.splice(0)) resolve()
      return stopped
    },
    kill: () => {
      if (state.running) child?.kill('SIGKILL')
    },
    state: () => state,
    pid: () => (state.running ? child?.pid : undefined),
  }
}
