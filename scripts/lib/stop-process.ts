/** @module Stops one recorded process: SIGTERM, then SIGKILL after a grace, only if the pid is still that process. */
import type { PidRecord } from './pid-file.ts'
import { isSameProcess } from './process-identity.ts'

export type StopOutcome = 'stopped' | 'killed' | 'not-running'

const alive = (record: PidRecord) => isSameProcess(record.pid, record.identity)

async function waitGone(record: PidRecord, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (!alive(record)) return true
    await Bun.sleep(25)
  }
  return !alive(record)
}

function signal(pid: number, name: 'SIGTERM' | 'SIGKILL', group: boolean): void {
  try {
    process.kill(group ? -pid : pid, name)
  } catch {
    // Gone in between: the wait below sees it.
  }
}

/**
 * `not-running` when the pid is dead or now belongs to another process (recycled): nothing is signalled then.
 * SIGKILL goes to the process group too (dev starts each service as a group leader), so nothing it forked stays.
 */
export async function stopProcess(record: PidRecord, graceMs: number): Promise<StopOutcome> {
  if (!alive(record)) return 'not-running'
  signal(record.pid, 'SIGTERM', false)
  if (await waitGone(record, graceMs)) return 'stopped'
  if (!alive(record)) return 'stopped'
  signal(record.pid, 'SIGKILL', true)
  await waitGone(record, 2000)
  return 'killed'
}
