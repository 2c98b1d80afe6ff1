/**
 * @module Who a pid is: its start time and command line. A pid file stores both, and a process is only signalled
 * when both still match, so a pid recycled by an unrelated process is never killed.
 */
import { readFileSync } from 'node:fs'

export interface ProcessIdentity {
  /** Kernel start time (clock ticks since boot from /proc, or `ps -o lstart`): unique per pid incarnation. */
  readonly startTime: string
  readonly cmdline: string
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may contain spaces and parentheses, so parse after the last `)`. */
export function parseProcStatStartTime(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After the name, fields start at number 3 (state), so starttime (22) is index 19.
  return fields[19]
}

function fromProc(pid: number): ProcessIdentity | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // A zombie has exited and only waits for its parent to reap it: it is not running.
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined
    const startTime = parseProcStatStartTime(stat)
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
    return startTime ? { startTime, cmdline } : undefined
  } catch {
    return undefined
  }
}

function fromPs(pid: number): ProcessIdentity | undefined {
  const run = (field: string) =>
    Bun.spawnSync(['ps', '-o', `${field}=`, '-p', String(pid)], { stdout: 'pipe', stderr: 'ignore' })
  const start = run('lstart')
  const args = run('args')
  if (start.exitCode !== 0 || args.exitCode !== 0) return undefined
  return { startTime: start.stdout.toString().trim(), cmdline: args.stdout.toString().trim() }
}

/** The identity of a live pid, or undefined when no such process exists. Linux reads /proc; elsewhere `ps`. */
export function readIdentity(
  pid: number,
  source: 'proc' | 'ps' = process.platform === 'linux' ? 'proc' : 'ps',
) {
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  return source === 'proc' ? fromProc(pid) : fromPs(pid)
}

/** True only when `pid` is alive and is still the very process described by `expected`. */
export function isSameProcess(pid: number, expected: ProcessIdentity, source?: 'proc' | 'ps'): boolean {
  const actual = readIdentity(pid, source)
  return (
    actual !== undefined && actual.startTime === expected.startTime && actual.cmdline === expected.cmdline
  )
}
