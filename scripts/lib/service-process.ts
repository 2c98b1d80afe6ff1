/** @module Starts one dev-stack service as its own process group and records it in a pid file. */
import { type PidRecord, writePidFile } from './pid-file.ts'
import { readIdentity } from './process-identity.ts'
import type { ServiceSpec } from './stack-plan.ts'

export interface RunningService {
  readonly spec: ServiceSpec
  readonly proc: Bun.Subprocess
  readonly record: PidRecord
}

/**
 * Spawns `spec` with the terminal's stdout/stderr, in its own process group so that Ctrl-C reaches only `dev`,
 * which then stops the services in order. Writes `<runDir>/<name>.json` before returning.
 * @throws Error when the process is gone before it could be recorded.
 */
export function startService(
  spec: ServiceSpec,
  runDir: string,
  baseEnv: Readonly<Record<string, string | undefined>>,
  owner: number,
): RunningService {
  const proc = Bun.spawn([...spec.argv], {
    env: { ...baseEnv, ...spec.env },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  })
  // Read between fork and exec, /proc still shows the parent's (or no) command line; the start time is already
  // final, and the command line will be exactly the argv that was executed.
  const started = readIdentity(proc.pid)
  if (!started) throw new Error(`${spec.name} exited immediately`)
  const identity = { startTime: started.startTime, cmdline: spec.argv.join(' ') }
  const record: PidRecord = {
    service: spec.name,
    pid: proc.pid,
    port: spec.port,
    healthUrl: spec.healthUrl,
    startedAt: new Date().toISOString(),
    identity,
    owner,
  }
  writePidFile(runDir, record)
  return { spec, proc, record }
}
