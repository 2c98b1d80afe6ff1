/** @module Starts a repository service as a real child process (`bun <entry> ...`) and waits until it answers HTTP. */
import { join } from 'node:path'
import { pollUntil } from './poll.ts'

export const REPO_ROOT = join(import.meta.dir, '..', '..')

export interface SpawnServiceOptions {
  /** Path from the repository root, e.g. services/gpu-exporter/src/main.ts. */
  entry: string
  args?: string[]
  env?: Record<string, string>
  /** URL that answers 200 once the service is ready. */
  readyUrl: string
  readyTimeoutMs?: number
}

export interface SpawnedService {
  /** stdout and stderr so far, for failure messages. */
  output(): string
  stop(): Promise<void>
}

/**
 * Spawns `bun <entry> <args>` with the given environment on top of the current one, and waits for `readyUrl`.
 * @throws Error with the service's output when it exits or is not ready in time.
 */
export async function spawnService(options: SpawnServiceOptions): Promise<SpawnedService> {
  const proc = Bun.spawn([process.execPath, join(REPO_ROOT, options.entry), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let output = ''
  const decoder = new TextDecoder()
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += decoder.decode(chunk)
  }
  const drained = Promise.all([collect(proc.stdout), collect(proc.stderr)])
  // SIGTERM first: a supervisor (the launcher) must get the chance to stop its own children, or they outlive the test.
  const stop = async () => {
    proc.kill('SIGTERM')
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)])
    if (!exited) proc.kill('SIGKILL')
    await proc.exited
    await drained.catch(() => {})
  }
  try {
    // A service that exits (bad config, port taken) ends the wait at once instead of at the timeout.
    const outcome = await pollUntil(
      async () => {
        if (proc.exitCode !== null) return 'exited'
        const response = await fetch(options.readyUrl)
        return response.ok ? 'ready' : undefined
      },
      { timeoutMs: options.readyTimeoutMs ?? 15_000, what: `${options.entry} at ${options.readyUrl}` },
    )
    if (outcome === 'exited') throw new Error(`${options.entry} exited with ${proc.exitCode}`)
  } catch (error) {
    await stop()
    throw new Error(`${(error as Error).message}\n${output.slice(-2000)}`)
  }
  return { output: () => output, stop }
}
