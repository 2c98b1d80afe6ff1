/** @module Pid files under the run directory (`.run/<service>.json`): what `dev` started, for `status` and `stop`. */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ProcessIdentity } from './process-identity.ts'

export interface PidRecord {
  readonly service: string
  readonly pid: number
  /** 0 for a process without a port (dev itself). */
  readonly port: number
  /** Empty when the service has no health endpoint. */
  readonly healthUrl: string
  /** ISO-8601. */
  readonly startedAt: string
  readonly identity: ProcessIdentity
  /** The dev process that started it, when it is a child. */
  readonly owner?: number
}

const fileOf = (dir: string, service: string) => join(dir, `${service}.json`)

export function writePidFile(dir: string, record: PidRecord): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(fileOf(dir, record.service), `${JSON.stringify(record, null, 2)}\n`)
}

export function removePidFile(dir: string, service: string): void {
  rmSync(fileOf(dir, service), { force: true })
}

const isRecord = (value: unknown): value is PidRecord => {
  const record = value as Partial<PidRecord> | null
  return (
    typeof record?.service === 'string' &&
    Number.isInteger(record.pid) &&
    typeof record.identity?.startTime === 'string' &&
    typeof record.identity.cmdline === 'string'
  )
}

/** Every readable pid file, sorted by service; unreadable or foreign files are skipped, not trusted. */
export function readPidFiles(dir: string): PidRecord[] {
  let names: string[]
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'))
  } catch {
    return []
  }
  const records: PidRecord[] = []
  for (const name of names) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(dir, name), 'utf8'))
      if (isRecord(parsed)) records.push(parsed)
    } catch {
      // A half-written or hand-edited file: ignoring it is safer than signalling whatever pid it names.
    }
  }
  return records.sort((a, b) => a.service.localeCompare(b.service))
}
