/**
 * @module Spawns vLLM in its own process group, so that signals reach its engine and worker processes too and
 * nothing it forked outlives it.
 */
import type { ChildHandle } from './supervisor.ts'
import type { Signal } from './transition.ts'

export interface SpawnedChild extends ChildHandle {
  readonly stdout: ReadableStream<Uint8Array>
  readonly stderr: ReadableStream<Uint8Array>
}

const signalGroup = (pid: number, signal: Signal): boolean => {
  try {
    process.kill(-pid, signal)
    return true
  } catch {
    return false
  }
}

/**
 * SIGTERM goes to the main process only, so vLLM shuts its engine down in order; SIGKILL goes to the whole
 * group. Once the main process has exited, whatever is left of its group is SIGKILLed: no orphaned workers
 * holding GPU memory.
 */
export function spawnChild(argv: readonly string[], env: Record<string, string | undefined>): SpawnedChild {
  const proc = Bun.spawn([...argv], { env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', detached: true })
  const exited = proc.exited.then((code) => {
    signalGroup(proc.pid, 'SIGKILL')
    return {
      code: proc.signalCode ? null : code,
      signal: proc.signalCode === null ? null : String(proc.signalCode),
    }
  })
  return {
    pid: proc.pid,
    stdout: proc.stdout,
    stderr: proc.stderr,
    exited,
    kill(signal) {
      if (signal === 'SIGKILL' && signalGroup(proc.pid, signal)) return
      try {
        proc.kill(signal)
      } catch {
        // Already gone: the exit event follows.
      }
    },
  }
}
