import { describe, expect, test } from 'bun:test'
import type { SupervisorPolicy } from '../config.ts'
import { type ChildHandle, type Clock, createSupervisor, type ProbeResult } from './supervisor.ts'
import type { ExitStatus, Note, Signal } from './transition.ts'

const policy: SupervisorPolicy = {
  backoff: { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 },
  maxRestarts: 2,
  restartWindowMs: 60_000,
  startupGraceMs: 10_000,
  healthIntervalMs: 50,
  healthTimeoutMs: 20,
  failureThreshold: 2,
  killGraceMs: 300,
}

/** A clock whose timers fire only when the test advances it. */
function fakeClock() {
  let now = 0
  let nextId = 0
  const timers = new Map<number, { at: number; callback: () => void }>()
  const clock: Clock = {
    now: () => now,
    setTimeout(callback, ms) {
      nextId += 1
      timers.set(nextId, { at: now + ms, callback })
      return nextId
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  }
  async function advance(ms: number) {
    const end = now + ms
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      timers.delete(due[0])
      now = due[1].at
      due[1].callback()
      await flush()
    }
    now = end
    await flush()
  }
  return { clock, advance, pending: () => [...timers.values()].map((t) => t.at - now) }
}

/** Lets resolved promises (probe results, exits) run; no wall-clock time involved. */
const flush = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve()
}

function fakeChild(pid: number) {
  let exit: (status: ExitStatus) => void = () => {}
  const signals: Signal[] = []
  const handle: ChildHandle = {
    pid,
    exited: new Promise((resolve) => {
      exit = resolve
    }),
    kill: (signal) => void signals.push(signal),
  }
  return {
    handle,
    signals,
    exit: (code: number | null, signal: string | null = null) => exit({ code, signal }),
  }
}

function setup(probeResult: () => ProbeResult = () => ({ ok: true, detail: '200' })) {
  const time = fakeClock()
  const children: ReturnType<typeof fakeChild>[] = []
  const notes: Note[] = []
  let probes = 0
  const supervisor = createSupervisor({
    policy,
    clock: time.clock,
    random: () => 0.5,
    spawn: () => {
      const child = fakeChild(1000 + children.length)
      children.push(child)
      return child.handle
    },
    probe: async () => {
      probes += 1
      return probeResult()
    },
    onNote: (note) => void notes.push(note),
  })
  return { supervisor, time, children, notes, probes: () => probes }
}

describe('createSupervisor', () => {
  test('spawns on start, probes on the interval and reports ready with the pid', async () => {
    const { supervisor, time, children, notes, probes } = setup()
    supervisor.start()
    expect(children).toHaveLength(1)
    await time.advance(50)
    expect(probes()).toBe(1)
    expect(supervisor.state().phase).toBe('ready')
    expect(supervisor.pid()).toBe(1000)
    expect(notes).toContainEqual({ kind: 'ready', startupMs: 50 })
  })

  test('restarts a crashed child after the backoff delay, not before', async () => {
    const { supervisor, time, children } = setup()
    supervisor.start()
    children[0]?.exit(1)
    await flush()
    expect(supervisor.state().phase).toBe('backoff')
    expect(supervisor.pid()).toBeUndefined()
    await time.advance(99)
    expect(children).toHaveLength(1)
    await time.advance(1)
    expect(children).toHaveLength(2)
    expect(supervisor.state().phase).toBe('starting')
  })

  test('kills a hung child with SIGTERM, then SIGKILL after the grace, then restarts it', async () => {
    let healthy = true
    const { supervisor, time, children, notes } = setup(() =>
      healthy ? { ok: true, detail: '200' } : { ok: false, detail: 'timeout' },
    )
    supervisor.start()
    await time.advance(50)
    healthy = false
    await time.advance(100)
    expect(children[0]?.signals).toEqual(['SIGTERM'])
    await time.advance(300)
    expect(children[0]?.signals).toEqual(['SIGTERM', 'SIGKILL'])
    children[0]?.exit(null, 'SIGKILL')
    await flush()
    expect(notes).toContainEqual({
      kind: 'restart',
      reason: 'hang',
      delayMs: 100,
      exit: { code: null, signal: 'SIGKILL' },
    })
    await time.advance(100)
    expect(children).toHaveLength(2)
  })

  test('stop() resolves only after the child has exited, and nothing restarts it', async () => {
    const { supervisor, time, children } = setup()
    supervisor.start()
    await time.advance(50)
    let stopped = false
    const done = supervisor.stop().then(() => {
      stopped = true
    })
    await flush()
    expect(children[0]?.signals).toEqual(['SIGTERM'])
    expect(stopped).toBe(false)
    supervisor.kill()
    expect(children[0]?.signals).toEqual(['SIGTERM', 'SIGKILL'])
    children[0]?.exit(0)
    await done
    expect(supervisor.state().phase).toBe('stopped')
    await time.advance(10_000)
    expect(children).toHaveLength(1)
    expect(time.pending()).toEqual([])
  })

  test('stop() on a supervisor that never started resolves at once; kill() has nothing to kill', async () => {
    const { supervisor } = setup()
    supervisor.kill()
    await supervisor.stop()
    expect(supervisor.state().phase).toBe('stopped')
  })

  test('a spawn that throws counts as a crash and gives up after the cap', async () => {
    const time = fakeClock()
    const notes: Note[] = []
    const errors: unknown[] = []
    const supervisor = createSupervisor({
      policy,
      clock: time.clock,
      random: () => 0.5,
      spawn: () => {
        throw new Error('ENOENT: vllm')
      },
      probe: async () => ({ ok: false, detail: 'refused' }),
      onNote: (note) => void notes.push(note),
      onSpawnError: (error) => void errors.push(error),
    })
    supervisor.start()
    await time.advance(1000)
    expect(errors).toHaveLength(3)
    expect(supervisor.state().phase).toBe('failed')
    expect(notes.at(-1)).toMatchObject({ kind: 'gave-up', exit: { code: 127 } })
  })

  test('a probe that rejects counts as a failed probe', async () => {
    const time = fakeClock()
    const notes: Note[] = []
    const supervisor = createSupervisor({
      policy,
      clock: time.clock,
      random: () => 0.5,
      spawn: () => fakeChild(1).handle,
      probe: () => Promise.reject(new Error('boom')),
      onNote: (note) => void notes.push(note),
    })
    supervisor.start()
    await time.advance(10_000)
    expect(supervisor.state().phase).toBe('restarting')
  })
})
