import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type PidRecord, readPidFiles, removePidFile, writePidFile } from './pid-file.ts'

const dir = mkdtempSync(join(tmpdir(), 'pid-files-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const record = (service: string, pid: number): PidRecord => ({
  service,
  pid,
  port: 8080,
  healthUrl: 'http://127.0.0.1:8080/health',
  startedAt: '2026-01-01T00:00:00.000Z',
  identity: { startTime: '123', cmdline: 'bun main.ts' },
  owner: 1,
})

describe('pid files', () => {
  test('write, read back sorted by service, remove', () => {
    writePidFile(join(dir, 'nested'), record('gateway', 10))
    writePidFile(join(dir, 'nested'), record('dev', 9))
    expect(readPidFiles(join(dir, 'nested')).map((r) => r.service)).toEqual(['dev', 'gateway'])
    expect(readPidFiles(join(dir, 'nested'))[1]).toEqual(record('gateway', 10))
    removePidFile(join(dir, 'nested'), 'gateway')
    removePidFile(join(dir, 'nested'), 'never-existed')
    expect(readPidFiles(join(dir, 'nested')).map((r) => r.service)).toEqual(['dev'])
  })

  test('skips corrupt and foreign files instead of trusting the pid in them', () => {
    writePidFile(dir, record('ok', 11))
    writeFileSync(join(dir, 'half.json'), '{"service": "x", "pid": ')
    writeFileSync(join(dir, 'foreign.json'), JSON.stringify({ service: 'y', pid: 'not a number' }))
    writeFileSync(join(dir, 'notes.txt'), 'ignored')
    expect(readPidFiles(dir).map((r) => r.service)).toEqual(['ok'])
  })

  test('a missing directory means nothing is running', () => {
    expect(readPidFiles(join(dir, 'absent'))).toEqual([])
  })
})
