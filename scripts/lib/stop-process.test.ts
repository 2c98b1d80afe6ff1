import { describe, expect, test } from 'bun:test'
import type { PidRecord } from './pid-file.ts'
import { readIdentity } from './process-identity.ts'
import { stopProcess } from './stop-process.ts'

function recordOf(proc: Bun.Subprocess, argv: string[]): PidRecord {
  const identity = readIdentity(proc.pid)
  if (!identity) throw new Error('no identity')
  return {
    service: 't',
    pid: proc.pid,
    port: 0,
    healthUrl: '',
    startedAt: new Date().toISOString(),
    identity: { startTime: identity.startTime, cmdline: argv.join(' ') },
  }
}

describe('stopProcess', () => {
  test('SIGTERM stops a well-behaved process', async () => {
    const argv = ['sleep', '30']
    const proc = Bun.spawn(argv)
    await Bun.sleep(50)
    expect(await stopProcess(recordOf(proc, argv), 2000)).toBe('stopped')
    await proc.exited
    expect(proc.signalCode).toBe('SIGTERM')
  })

  test('SIGKILL after the grace for a process that ignores SIGTERM', async () => {
    const argv = ['sh', '-c', 'trap "" TERM; sleep 30 & wait; sleep 30']
    const proc = Bun.spawn(argv, { detached: true })
    await Bun.sleep(50)
    expect(await stopProcess(recordOf(proc, argv), 200)).toBe('killed')
    await proc.exited
    expect(proc.signalCode).toBe('SIGKILL')
  })

  test('never signals a pid that now belongs to another process (recycled) or is dead', async () => {
    const argv = ['sleep', '30']
    const proc = Bun.spawn(argv)
    await Bun.sleep(50)
    const record = recordOf(proc, argv)
    expect(await stopProcess({ ...record, identity: { ...record.identity, startTime: '1' } }, 100)).toBe(
      'not-running',
    )
    expect(
      await stopProcess({ ...record, identity: { ...record.identity, cmdline: 'bun gateway' } }, 100),
    ).toBe('not-running')
    expect(proc.exitCode).toBeNull()
    expect(proc.signalCode).toBeNull()
    proc.kill()
    await proc.exited
    expect(await stopProcess(record, 100)).toBe('not-running')
  })
})
