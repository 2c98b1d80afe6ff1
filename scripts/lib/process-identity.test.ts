import { describe, expect, test } from 'bun:test'
import { isSameProcess, parseProcStatStartTime, readIdentity } from './process-identity.ts'

describe('parseProcStatStartTime', () => {
  test('reads field 22 even when the command name has spaces and parentheses', () => {
    const rest = 'S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21'
    expect(parseProcStatStartTime(`42 (bun) ${rest}`)).toBe('987654')
    expect(parseProcStatStartTime(`42 (my (odd) name) ${rest}`)).toBe('987654')
  })
})

describe('readIdentity / isSameProcess', () => {
  test('identifies this process through /proc and through ps', () => {
    const proc = readIdentity(process.pid, 'proc')
    expect(proc?.cmdline).toContain('bun')
    expect(isSameProcess(process.pid, proc ?? { startTime: '', cmdline: '' }, 'proc')).toBe(true)
    const ps = readIdentity(process.pid, 'ps')
    expect(ps?.startTime).toMatch(/\d\d:\d\d:\d\d/)
    expect(isSameProcess(process.pid, ps ?? { startTime: '', cmdline: '' }, 'ps')).toBe(true)
  })

  test('a different start time or command line means another process: a recycled pid', () => {
    const self = readIdentity(process.pid)
    if (!self) throw new Error('no identity for self')
    expect(isSameProcess(process.pid, { ...self, startTime: '1' })).toBe(false)
    expect(isSameProcess(process.pid, { ...self, cmdline: 'sleep 30' })).toBe(false)
  })

  test('dead, exited and nonsense pids have no identity', async () => {
    const child = Bun.spawn(['true'])
    await child.exited
    expect(readIdentity(child.pid)).toBeUndefined()
    expect(readIdentity(child.pid, 'ps')).toBeUndefined()
    expect(readIdentity(0)).toBeUndefined()
    expect(readIdentity(-5)).toBeUndefined()
  })
})
