import { describe, expect, test } from 'bun:test'
import type { SupervisorPolicy } from '../config.ts'
import { type Effect, type InstanceState, initialState, type SupervisorEvent, step } from './transition.ts'

const policy: SupervisorPolicy = {
  backoff: { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 },
  maxRestarts: 3,
  restartWindowMs: 10_000,
  startupGraceMs: 5000,
  healthIntervalMs: 50,
  healthTimeoutMs: 20,
  failureThreshold: 3,
  killGraceMs: 200,
}

/** Drives the machine through events at given times and keeps every effect. */
function drive(events: [number, SupervisorEvent][], from: InstanceState = initialState) {
  let state = from
  const effects: Effect[] = []
  for (const [now, event] of events) {
    const result = step(state, event, { now, random: 0.5, policy })
    state = result.state
    effects.push(...result.effects)
  }
  const notes = effects.flatMap((effect) => (effect.type === 'notify' ? [effect.note] : []))
  return { state, effects, notes }
}

const start: SupervisorEvent = { type: 'start' }
const ok = (generation = 1): SupervisorEvent => ({ type: 'probed', generation, ok: true, detail: '200' })
const bad = (generation = 1): SupervisorEvent => ({
  type: 'probed',
  generation,
  ok: false,
  detail: 'refused',
})
const exit = (generation = 1, code: number | null = 1): SupervisorEvent => ({
  type: 'exited',
  generation,
  code,
  signal: null,
})
const timer = (name: 'probe' | 'kill' | 'backoff'): SupervisorEvent => ({ type: 'timer', timer: name })

describe('start-up', () => {
  test('spawns, probes on the interval and becomes ready on the first healthy probe', () => {
    const { state, effects, notes } = drive([
      [0, start],
      [50, timer('probe')],
      [60, bad()],
      [110, timer('probe')],
      [1500, ok()],
    ])
    expect(effects[0]).toEqual({ type: 'spawn', generation: 1 })
    expect(effects).toContainEqual({ type: 'probe', generation: 1 })
    expect(state.phase).toBe('ready')
    expect(notes).toContainEqual({ kind: 'ready', startupMs: 1500 })
    // Refused connections while loading are not health failures.
    expect(notes.some((note) => note.kind === 'health-failure')).toBe(false)
  })

  test('a child that never becomes healthy within the start-up grace is killed as a hang', () => {
    const { state, effects } = drive([
      [0, start],
      [4999, bad()],
      [5000, bad()],
    ])
    expect(state.phase).toBe('restarting')
    expect(state.killReason).toBe('hang')
    expect(effects).toContainEqual({ type: 'signal', signal: 'SIGTERM' })
    expect(effects).toContainEqual({ type: 'schedule', timer: 'kill', delayMs: 200 })
  })
})

describe('crash', () => {
  test('an exit restarts with exponential backoff, and readiness resets the exponent', () => {
    const { state, notes } = drive([
      [0, start],
      [10, exit(1, 1)],
      [110, timer('backoff')],
      [120, exit(2, 1)],
      [320, timer('backoff')],
      [330, ok(3)],
      [400, exit(3, 0)],
    ])
    const delays = notes.flatMap((note) => (note.kind === 'restart' ? [[note.reason, note.delayMs]] : []))
    expect(delays).toEqual([
      ['crash', 100],
      ['crash', 200],
      ['crash', 100],
    ])
    expect(state.phase).toBe('backoff')
    expect(state.generation).toBe(3)
  })

  test('gives up after maxRestarts inside the window, loudly, and stays down', () => {
    const { state, notes } = drive([
      [0, start],
      [1, exit(1)],
      [200, timer('backoff')],
      [201, exit(2)],
      [500, timer('backoff')],
      [501, exit(3)],
      [1000, timer('backoff')],
      [1001, exit(4)],
      [5000, timer('backoff')],
    ])
    expect(state.phase).toBe('failed')
    expect(state.running).toBe(false)
    expect(notes.at(-1)).toEqual({
      kind: 'gave-up',
      restarts: 3,
      windowMs: 10_000,
      exit: { code: 1, signal: null },
    })
  })

  test('restarts older than the window no longer count toward the cap', () => {
    const { state } = drive([
      [0, start],
      [1, exit(1)],
      [200, timer('backoff')],
      [201, exit(2)],
      [500, timer('backoff')],
      [501, exit(3)],
      [1000, timer('backoff')],
      [20_000, exit(4)],
    ])
    expect(state.phase).toBe('backoff')
    expect(state.restarts).toEqual([20_000])
  })
})

describe('hang', () => {
  test('N consecutive failed probes after ready → SIGTERM, SIGKILL after the grace, restart as hang', () => {
    const { state, effects, notes } = drive([
      [0, start],
      [50, ok()],
      [100, bad()],
      [150, bad()],
      [200, bad()],
      [400, timer('kill')],
      [410, exit(1, null)],
    ])
    const failures = notes.flatMap((note) => (note.kind === 'health-failure' ? [note.failures] : []))
    expect(failures).toEqual([1, 2, 3])
    const signals = effects.flatMap((effect) => (effect.type === 'signal' ? [effect.signal] : []))
    expect(signals).toEqual(['SIGTERM', 'SIGKILL'])
    expect(notes).toContainEqual({
      kind: 'restart',
      reason: 'hang',
      delayMs: 100,
      exit: { code: null, signal: null },
    })
    expect(state.phase).toBe('backoff')
  })

  test('a healthy probe in between resets the count and recovers from unhealthy', () => {
    const { state, notes } = drive([
      [0, start],
      [50, ok()],
      [100, bad()],
      [150, bad()],
      [200, ok()],
      [250, bad()],
    ])
    expect(notes).toContainEqual({ kind: 'recovered' })
    expect(state.phase).toBe('unhealthy')
    expect(state.failures).toBe(1)
  })

  test('a child that exits on SIGTERM gets no SIGKILL: the kill timer is cancelled', () => {
    const { effects } = drive([
      [0, start],
      [50, ok()],
      [100, bad()],
      [150, bad()],
      [200, bad()],
      [250, exit(1, 0)],
      [400, timer('kill')],
    ])
    expect(effects).toContainEqual({ type: 'cancel', timer: 'kill' })
    expect(effects.filter((effect) => effect.type === 'signal')).toHaveLength(1)
  })
})

describe('stop', () => {
  test('stops a running child with SIGTERM and ends stopped without restarting', () => {
    const { state, effects, notes } = drive([
      [0, start],
      [50, ok()],
      [60, { type: 'stop' }],
      [70, exit(1, 0)],
    ])
    expect(effects).toContainEqual({ type: 'signal', signal: 'SIGTERM' })
    expect(state.phase).toBe('stopped')
    expect(notes.at(-1)).toEqual({ kind: 'stopped' })
    expect(notes.some((note) => note.kind === 'restart')).toBe(false)
  })

  test('stop during backoff cancels the pending restart', () => {
    const { state, effects } = drive([
      [0, start],
      [1, exit(1)],
      [2, { type: 'stop' }],
      [200, timer('backoff')],
    ])
    expect(effects).toContainEqual({ type: 'cancel', timer: 'backoff' })
    expect(state.phase).toBe('stopped')
    expect(effects.filter((effect) => effect.type === 'spawn')).toHaveLength(1)
  })

  test('stop while a hung child is being killed keeps the SIGKILL deadline and does not restart', () => {
    const { state, effects } = drive([
      [0, start],
      [50, ok()],
      [100, bad()],
      [150, bad()],
      [200, bad()],
      [210, { type: 'stop' }],
      [400, timer('kill')],
      [410, exit(1, null)],
    ])
    expect(effects.flatMap((effect) => (effect.type === 'signal' ? [effect.signal] : []))).toEqual([
      'SIGTERM',
      'SIGKILL',
    ])
    expect(state.phase).toBe('stopped')
  })
})

describe('stale events', () => {
  test('a late probe or exit from an older child changes nothing', () => {
    const { state: afterRestart } = drive([
      [0, start],
      [1, exit(1)],
      [200, timer('backoff')],
    ])
    expect(afterRestart.generation).toBe(2)
    expect(step(afterRestart, ok(1), { now: 300, random: 0, policy }).state).toBe(afterRestart)
    expect(step(afterRestart, exit(1), { now: 300, random: 0, policy }).state).toBe(afterRestart)
    expect(step(afterRestart, start, { now: 300, random: 0, policy }).state).toBe(afterRestart)
  })

  test('timers that no longer apply are ignored', () => {
    expect(step(initialState, timer('probe'), { now: 0, random: 0, policy }).effects).toEqual([])
    expect(step(initialState, timer('kill'), { now: 0, random: 0, policy }).effects).toEqual([])
    expect(step(initialState, timer('backoff'), { now: 0, random: 0, policy }).effects).toEqual([])
  })
})
