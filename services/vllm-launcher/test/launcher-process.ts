/** @module Runs the launcher (`bun src/main.ts`) as a child for integration tests and reads its JSON log lines. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dir, '..', '..', '..')
export const LAUNCHER_MAIN = join(root, 'services/vllm-launcher/src/main.ts')
export const SIM_BIN = `${process.execPath} ${join(root, 'services/vllm-sim/src/main.ts')}`
export const DEAF_BIN = `${process.execPath} ${join(import.meta.dir, 'fixtures/deaf-vllm.ts')}`

export type LogLine = Record<string, unknown> & { msg?: string; level?: string }

/** A free loopback port: bind port 0, read the number, release it. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const { port } = server
  server.stop(true)
  if (port === undefined) throw new Error('no port')
  return port
}

/** Settings that keep every wait in the tests short; each test adds its own. */
export const FAST = {
  VLLM_VERSION: '0.11.0',
  VLLM_HOST: '127.0.0.1',
  LAUNCHER_METRICS_PORT: '0',
  LAUNCHER_METRICS_HOST: '127.0.0.1',
  HEALTH_INTERVAL_MS: '100',
  HEALTH_TIMEOUT_MS: '300',
  HEALTH_FAILURE_THRESHOLD: '2',
  RESTART_BACKOFF_INITIAL_MS: '100',
  RESTART_BACKOFF_MAX_MS: '1000',
  RESTART_BACKOFF_JITTER: '0',
  KILL_GRACE_MS: '500',
  STARTUP_GRACE_MS: '20000',
  MODEL_NAME: 'test/model',
  COMPILE_CACHE_DIR: '/tmp/infergate-launcher-test-cache',
}

export interface LauncherRun {
  readonly proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>
  readonly lines: LogLine[]
  stderr(): string
  /** Polls the log until a line matches; bounded. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>
  metricsUrl(): Promise<string>
  /** SIGTERM and the exit code. */
  stop(): Promise<number>
}

export function runLauncher(env: Record<string, string>, args: string[] = []): LauncherRun {
  const proc = Bun.spawn([process.execPath, LAUNCHER_MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const lines: LogLine[] = []
  let stderr = ''
  void (async () => {
    let rest = ''
    for await (const chunk of proc.stdout) {
      const parts = (rest + new TextDecoder().decode(chunk)).split('\n')
      rest = parts.pop() ?? ''
      for (const part of parts)
        try {
          lines.push(JSON.parse(part))
        } catch {
          lines.push({ msg: part, level: 'raw' })
        }
    }
  })()
  void new Response(proc.stderr).text().then((text) => {
    stderr = text
  })
  const run: LauncherRun = {
    proc,
    lines,
    stderr: () => stderr,
    async waitFor(match, timeoutMs = 15_000, what = 'a log line') {
      const deadline = performance.now() + timeoutMs
      while (performance.now() < deadline) {
        const found = lines.find(match)
        if (found) return found
        if (proc.exitCode !== null) break
        await Bun.sleep(20)
      }
      const found = lines.find(match)
      if (found) return found
      throw new Error(
        `timed out waiting for ${what}; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`,
      )
    },
    async metricsUrl() {
      const line = await run.waitFor(
        (l) => typeof l.msg === 'string' && l.msg.startsWith('vllm-launcher metrics'),
      )
      return `http://127.0.0.1:${line.port}`
    },
    async stop() {
      proc.kill('SIGTERM')
      return proc.exited
    },
  }
  return run
}

export const msgIs = (text: string) => (line: LogLine) =>
  typeof line.msg === 'string' && line.msg.includes(text)

/** Alive and not a zombie (an orphan waiting for a reaper no longer runs anything). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

/** Polls until `pid` is gone (it may take a moment to be reaped); bounded. */
export async function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (!isAlive(pid)) return true
    await Bun.sleep(20)
  }
  return !isAlive(pid)
}

export async function scrape(metricsUrl: string): Promise<string> {
  return (await fetch(`${metricsUrl}/metrics`)).text()
}
