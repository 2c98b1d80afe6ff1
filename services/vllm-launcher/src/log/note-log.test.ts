import { describe, expect, test } from 'bun:test'
import type { Note } from '../supervisor/transition.ts'
import { describeNote } from './note-log.ts'

describe('describeNote', () => {
  test('giving up is fatal and says what to do', () => {
    const entry = describeNote({
      kind: 'gave-up',
      restarts: 5,
      windowMs: 600_000,
      exit: { code: 1, signal: null },
    })
    expect(entry.level).toBe('fatal')
    expect(entry.msg).toContain('GAVE UP')
    expect(entry.msg).toContain('5 restarts within 600 s')
  })

  test('restarts are errors naming the exit and the delay; a hang kill names the reason', () => {
    expect(
      describeNote({
        kind: 'restart',
        reason: 'crash',
        delayMs: 250,
        exit: { code: null, signal: 'SIGKILL' },
      }).msg,
    ).toBe('vLLM exited (signal SIGKILL, crash); restarting in 250 ms')
    expect(describeNote({ kind: 'killing', reason: 'hang', signal: 'SIGTERM' })).toMatchObject({
      level: 'error',
      msg: 'sending SIGTERM (not healthy: hung or not started in time)',
    })
    expect(describeNote({ kind: 'killing', reason: 'stop', signal: 'SIGTERM' }).level).toBe('info')
  })

  test('every other note has a message', () => {
    const notes: Note[] = [
      { kind: 'spawned', generation: 1 },
      { kind: 'ready', startupMs: 1234 },
      { kind: 'recovered' },
      { kind: 'health-failure', failures: 2, detail: '503' },
      { kind: 'stopped' },
    ]
    expect(notes.map((note) => describeNote(note).msg)).toEqual([
      'vLLM process started',
      'vLLM ready after 1.2 s',
      'vLLM healthy again',
      'health check failed (503)',
      'vLLM stopped',
    ])
  })
})
