/** Property test: random event sequences never break the watchdog's invariants. */
import { describe, expect, test } from 'bun:test'
import type { SupervisorPolicy } from '../config.ts'
import { type InstanceState, initialState, type SupervisorEvent, step } from './transition.ts'

const policy: SupervisorPolicy = {
  backoff: { initialMs: 100, maxMs: 800, multiplier: 2, jitter: 0.3 },
  maxRestarts: 4,
  restartWindowMs: 5000,
  startupGraceMs: 2000,
  healthIntervalMs: 50,
  healthTimeoutMs: 20,
  failureThreshold: 3,
  killGraceMs: 300,
}

/** mulberry32: a seeded generator, so a failing sequence can be replayed from its seed. */
function rng(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomEvent(random: () => number, state: InstanceState): SupervisorEvent {
  // Mostly events about the current child, sometimes stale ones from an older generation.
  const generation = random() < 0.9 ? state.generation : Math.max(0, state.generation - 1)
  const pick = Math.floor(random() * 8)
  switch (pick) {
    case 0:
      return { type: 'start' }
    case 1:
      return { type: 'exited', generation, code: random() < 0.5 ? 1 : null, signal: null }
    case 2:
    case 3:
      return { type: 'probed', generation, ok: random() < 0.5, detail: 'x' }
    case 4:
      return { type: 'timer', timer: 'probe' }
    case 5:
      return { type: 'timer', timer: 'kill' }
    case 6:
      return { type: 'timer', timer: 'backoff' }
    default:
      return random() < 0.1 ? { type: 'stop' } : { type: 'timer', timer: 'backoff' }
  }
}

describe('watchdog invariants under random events', () => {
  test('never two children, delays within bounds, the cap holds, and a stop is final', () => {
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = rng(seed)
      let state = initialState
      let now = 0
      let children = 0
      let stopped = false
      for (let i = 0; i < 200; i += 1) {
        now += Math.floor(random() * 400)
        const event = randomEvent(random, state)
        const result = step(state, event, { now, random: random(), policy })
        // Only an explicit start may bring a stopped instance back.
        if (event.type === 'start') stopped = false
        for (const effect of result.effects) {
          if (effect.type === 'spawn') {
            // A spawn only ever happens when no child is running, and never after a stop (until a new start).
            expect(state.running).toBe(false)
            expect(stopped).toBe(false)
            children += 1
          }
          if (effect.type === 'schedule' && effect.timer === 'backoff') {
            expect(effect.delayMs).toBeGreaterThanOrEqual(0)
            expect(effect.delayMs).toBeLessThanOrEqual(policy.backoff.maxMs)
          }
          if (effect.type === 'signal') expect(state.running).toBe(true)
        }
        if (event.type === 'stop') stopped = true
        state = result.state
        expect(state.restarts.length).toBeLessThanOrEqual(policy.maxRestarts)
        // A child runs exactly in the phases that have one, also while it is being stopped.
        expect(state.running).toBe(['starting', 'ready', 'unhealthy', 'restarting'].includes(state.phase))
      }
      expect(children).toBeGreaterThan(0)
    }
  })
})
