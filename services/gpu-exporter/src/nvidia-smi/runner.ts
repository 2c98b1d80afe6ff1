/**
 * @module Runs nvidia-smi: a configurable binary, a hard timeout, and never two processes at once. node-nvidia-smi
 * cannot be used for this step: it execs the literal `nvidia-smi -q -x` through a shell, with no path, no timeout
 * and any stderr output treated as failure; its parsing (xml2js with its options) is reused in xml-parse.ts.
 */

export type RunResult = { ok: true; stdout: string; stderr: string } | { ok: false; error: string }

export interface SmiRunner {
  /** Runs `<path> ...args`; waits for any run in progress first. Never rejects. */
  run(args: readonly string[]): Promise<RunResult>
  /** How many processes have been started (for tests and the benchmark's one-run-per-poll check). */
  readonly spawned: number
}

export interface RunnerOptions {
  readonly path: string
  readonly timeoutMs: number
}

const firstLine = (text: string): string => text.trim().split('\n')[0]?.slice(0, 300) ?? ''

function spawnError(path: string, error: unknown): string {
  const code = (error as { code?: string }).code
  if (code === 'ENOENT') return `${path} not found (is the NVIDIA driver installed? set NVIDIA_SMI_PATH)`
  if (code === 'EACCES') return `${path} is not executable (permission denied)`
  return `${path} could not be started: ${error instanceof Error ? error.message : String(error)}`
}

async function runOnce(options: RunnerOptions, args: readonly string[]): Promise<RunResult> {
  let child: ReturnType<typeof Bun.spawn<'ignore', 'pipe', 'pipe'>>
  try {
    child = Bun.spawn([options.path, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  } catch (error) {
    return { ok: false, error: spawnError(options.path, error) }
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs)
  })
  const finished = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ] as const)
  const outcome = await Promise.race([finished, timeout])
  clearTimeout(timer)
  if (outcome === 'timeout') {
    // SIGKILL: a hung nvidia-smi is usually stuck in the driver and ignores SIGTERM. Waiting for the exit keeps
    // "one process at a time" true; the pipes are not awaited, as a grandchild may still hold them open.
    child.kill('SIGKILL')
    await child.exited
    return { ok: false, error: `${options.path} timed out after ${options.timeoutMs} ms and was killed` }
  }
  const [stdout, stderr, exitCode] = outcome
  if (exitCode !== 0) {
    const detail = firstLine(stderr) || firstLine(stdout) || 'no output'
    return { ok: false, error: `${options.path} exited with status ${exitCode}: ${detail}` }
  }
  return { ok: true, stdout, stderr }
}

/** Creates a runner whose calls are serialised: a caller arriving during a run waits for it, then runs its own. */
export function createSmiRunner(options: RunnerOptions): SmiRunner {
  let tail: Promise<unknown> = Promise.resolve()
  let spawned = 0
  return {
    run(args) {
      const result = tail.then(() => {
        spawned += 1
        return runOnce(options, args)
      })
      tail = result
      return result
    },
    get spawned() {
      return spawned
    },
  }
}
