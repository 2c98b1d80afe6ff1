/**
 * @module The watchdog as a pure state machine: (state, event, now, random) → (state, effects). No timers, no
 * processes, no fetch: the runtime in supervisor.ts performs the effects and feeds results back as events.
 */
import type { SupervisorPolicy } from '../config.ts'
import { backoffDelay, recentRestarts } from './backoff.ts'

export const PHASES = [
  'starting',
  'ready',
  'unhealthy',
  'restarting',
  'backoff',
  'failed',
  'stopped',
] as const
export type Phase = (typeof PHASES)[number]
export type TimerName = 'probe' | 'kill' | 'backoff'
export type RestartReason = 'crash' | 'hang'
export type Signal = 'SIGTERM' | 'SIGKILL'
export interface ExitStatus {
  readonly code: number | null
  readonly signal: string | null
}

export interface InstanceState {
  readonly phase: Phase
  /** Increments per spawn; events from an older child carry an older number and are ignored. */
  readonly generation: number
  readonly running: boolean
  readonly spawnedAt: number
  /** Consecutive failed health probes since the child was last healthy. */
  readonly failures: number
  /** Restarts since the child was last ready: the backoff exponent. */
  readonly attempt: number
  /** When restarts happened, pruned to the restart window. */
  readonly restarts: readonly number[]
  readonly killReason: RestartReason | 'stop' | undefined
  readonly stopping: boolean
}

export type SupervisorEvent =
  | { readonly type: 'start' }
  | { readonly type: 'stop' }
  | ({ readonly type: 'exited'; readonly generation: number } & ExitStatus)
  | { readonly type: 'probed'; readonly generation: number; readonly ok: boolean; readonly detail: string }
  | { readonly type: 'timer'; readonly timer: TimerName }

/** What happened, for logs and metrics. */
export type Note =
  | { readonly kind: 'spawned'; readonly generation: number }
  | { readonly kind: 'ready'; readonly startupMs: number }
  | { readonly kind: 'recovered' }
  | { readonly kind: 'health-failure'; readonly failures: number; readonly detail: string }
  | { readonly kind: 'killing'; readonly reason: RestartReason | 'stop'; readonly signal: Signal }
  | {
      readonly kind: 'restart'
      readonly reason: RestartReason
      readonly delayMs: number
      readonly exit: ExitStatus
    }
  | {
      readonly kind: 'gave-up'
      readonly restarts: number
      readonly windowMs: number
      readonly exit: ExitStatus
    }
  | { readonly kind: 'stopped' }

export type Effect =
  | { readonly type: 'spawn'; readonly generation: number }
  | { readonly type: 'signal'; readonly signal: Signal }
  | { readonly type: 'probe'; readonly generation: number }
  | { readonly type: 'schedule'; readonly timer: TimerName; readonly delayMs: number }
  | { readonly type: 'cancel'; readonly timer: TimerName }
  | { readonly type: 'notify'; readonly note: Note }

export interface Step {
  readonly state: InstanceState
  readonly effects: readonly Effect[]
}

export interface StepContext {
  readonly now: number
  /** A draw in [0, 1) for backoff jitter. */
  readonly random: number
  readonly policy: SupervisorPolicy
}

export const initialState: InstanceState = {
  phase: 'stopped',
  generation: 0,
  running: false,
  spawnedAt: 0,
  failures: 0,
  attempt: 0,
  restarts: [],
  killReason: undefined,
  stopping: false,
}

const notify = (note: Note): Effect => ({ type: 'notify', note })
const probing = (phase: Phase): boolean => phase === 'starting' || phase === 'ready' || phase === 'unhealthy'

function spawn(state: InstanceState, ctx: StepContext): Step {
  const generation = state.generation + 1
  return {
    state: {
      ...state,
      phase: 'starting',
      generation,
      running: true,
      spawnedAt: ctx.now,
      failures: 0,
      killReason: undefined,
    },
    effects: [
      { type: 'spawn', generation },
      notify({ kind: 'spawned', generation }),
      { type: 'schedule', timer: 'probe', delayMs: ctx.policy.healthIntervalMs },
    ],
  }
}

/** SIGTERM now, SIGKILL when the grace runs out; the restart decision waits for the exit. */
function kill(state: InstanceState, reason: RestartReason | 'stop', ctx: StepContext): Step {
  return {
    state: { ...state, phase: reason === 'stop' ? state.phase : 'restarting', killReason: reason },
    effects: [
      { type: 'cancel', timer: 'probe' },
      { type: 'signal', signal: 'SIGTERM' },
      notify({ kind: 'killing', reason, signal: 'SIGTERM' }),
      { type: 'schedule', timer: 'kill', delayMs: ctx.policy.killGraceMs },
    ],
  }
}

function exited(state: InstanceState, exit: ExitStatus, ctx: StepContext): Step {
  const base: InstanceState = { ...state, running: false }
  const cleanup: Effect[] = [
    { type: 'cancel', timer: 'kill' },
    { type: 'cancel', timer: 'probe' },
  ]
  if (state.stopping)
    return { state: { ...base, phase: 'stopped' }, effects: [...cleanup, notify({ kind: 'stopped' })] }
  const reason: RestartReason = state.killReason === 'hang' ? 'hang' : 'crash'
  const { maxRestarts, restartWindowMs } = ctx.policy
  const recent = recentRestarts(state.restarts, ctx.now, restartWindowMs)
  if (recent.length >= maxRestarts)
    return {
      state: { ...base, phase: 'failed', restarts: recent },
      effects: [
        ...cleanup,
        notify({ kind: 'gave-up', restarts: recent.length, windowMs: restartWindowMs, exit }),
      ],
    }
  const delayMs = backoffDelay(ctx.policy.backoff, state.attempt, ctx.random)
  return {
    state: { ...base, phase: 'backoff', restarts: [...recent, ctx.now], attempt: state.attempt + 1 },
    effects: [
      ...cleanup,
      notify({ kind: 'restart', reason, delayMs, exit }),
      { type: 'schedule', timer: 'backoff', delayMs },
    ],
  }
}

function probed(state: InstanceState, ok: boolean, detail: string, ctx: StepContext): Step {
  const next: Effect = { type: 'schedule', timer: 'probe', delayMs: ctx.policy.healthIntervalMs }
  if (state.phase === 'starting') {
    if (ok)
      return {
        state: { ...state, phase: 'ready', attempt: 0, failures: 0 },
        effects: [notify({ kind: 'ready', startupMs: Math.round(ctx.now - state.spawnedAt) }), next],
      }
    // Refused connections are normal while weights load; only the start-up grace bounds them.
    if (ctx.now - state.spawnedAt >= ctx.policy.startupGraceMs) return kill(state, 'hang', ctx)
    return { state, effects: [next] }
  }
  if (ok) {
    const effects = state.phase === 'unhealthy' ? [notify({ kind: 'recovered' }), next] : [next]
    return { state: { ...state, phase: 'ready', failures: 0 }, effects }
  }
  const failures = state.failures + 1
  const failure = notify({ kind: 'health-failure', failures, detail })
  if (failures >= ctx.policy.failureThreshold) {
    const killed = kill({ ...state, failures }, 'hang', ctx)
    return { state: killed.state, effects: [failure, ...killed.effects] }
  }
  return { state: { ...state, phase: 'unhealthy', failures }, effects: [failure, next] }
}

function stop(state: InstanceState, ctx: StepContext): Step {
  if (!state.running) {
    const effects: Effect[] = [{ type: 'cancel', timer: 'backoff' }]
    if (state.phase !== 'stopped') effects.push(notify({ kind: 'stopped' }))
    return { state: { ...state, phase: 'stopped', stopping: true }, effects }
  }
  const stopping = { ...state, stopping: true }
  // A hung child already got SIGTERM and has its SIGKILL timer; sending more only resets that grace.
  if (state.killReason !== undefined) return { state: { ...stopping, killReason: 'stop' }, effects: [] }
  return kill(stopping, 'stop', ctx)
}

/** Applies one event. Events that no longer apply (an old child's exit, a late probe) change nothing. */
export function step(state: InstanceState, event: SupervisorEvent, ctx: StepContext): Step {
  const unchanged: Step = { state, effects: [] }
  switch (event.type) {
    case 'start':
      return state.running || state.phase === 'backoff'
        ? unchanged
        : spawn({ ...state, stopping: false }, ctx)
    case 'stop':
      return state.stopping ? unchanged : stop(state, ctx)
    case 'exited':
      return event.generation === state.generation && state.running
        ? exited(state, { code: event.code, signal: event.signal }, ctx)
        : unchanged
    case 'probed':
      return event.generation === state.generation && state.running && probing(state.phase)
        ? probed(state, event.ok, event.detail, ctx)
        : unchanged
    case 'timer':
      if (event.timer === 'probe' && state.running && probing(state.phase))
        return { state, effects: [{ type: 'probe', generation: state.generation }] }
      if (event.timer === 'kill' && state.running) {
        const reason = state.killReason ?? 'stop'
        return {
          state,
          effects: [
            { type: 'signal', signal: 'SIGKILL' },
            notify({ kind: 'killing', reason, signal: 'SIGKILL' }),
          ],
        }
      }
      if (event.timer === 'backoff' && state.phase === 'backoff' && !state.stopping) return spawn(state, ctx)
      return unchanged
  }
}
