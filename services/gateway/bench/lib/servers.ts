/** @module Starts the benchmark's servers as separate processes pinned to the server core, and stops them. */
import { renderTemplate } from './nginx-config.ts'

export interface Server {
  readonly name: string
  readonly url: string
  readonly pid: number
  /** Undefined while running; once the process has exited, its exit code and the end of its output. */
  exitReport(): Promise<string | undefined>
  stop(): Promise<void>
}

export interface SpawnOptions {
  readonly name: string
  readonly cmd: readonly string[]
  /** CPU list for taskset. */
  readonly cpu: string
  /** GET this URL until it answers 200. */
  readonly readyUrl: string
  readonly url: string
  readonly cwd: string
  readonly env?: Readonly<Record<string, string>>
  readonly readyTimeoutMs?: number
  /** The server's stdout and stderr go to `<logPath>.out` / `.err` (a pipe nobody reads would block a chatty server). */
  readonly logPath: string
}

/** A free port on 127.0.0.1, found by binding port 0 and releasing it. */
export async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  const port = probe.port ?? 0
  await probe.stop(true)
  return port
}

async function logTail(path: string, limit = 1200): Promise<string> {
  try {
    return (await Bun.file(path).text()).trim().slice(-limit)
  } catch {
    return ''
  }
}

/**
 * Spawns `taskset -c <cpu> <cmd>` (taskset execs, so the pid is the server's own) and waits until `readyUrl` answers
 * 200. Throws with the server's last stderr lines when it exits or does not become ready in time.
 */
export async function startServer(options: SpawnOptions): Promise<Server> {
  const child = Bun.spawn(['taskset', '-c', options.cpu, ...options.cmd], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: 'ignore',
    stdout: Bun.file(`${options.logPath}.out`),
    stderr: Bun.file(`${options.logPath}.err`),
  })
  let exited = false
  void child.exited.then(() => {
    exited = true
  })
  const stop = async (): Promise<void> => {
    if (exited) return
    child.kill('SIGTERM')
    const done = await Promise.race([child.exited.then(() => true), Bun.sleep(5000).then(() => false)])
    if (!done) {
      child.kill('SIGKILL')
      await child.exited
    }
  }
  const exitOutput = async () =>
    [await logTail(`${options.logPath}.err`), await logTail(`${options.logPath}.out`)]
      .filter(Boolean)
      .join(' | ') || 'no output'
  const exitReport = async () =>
    exited ? `exited with code ${child.exitCode}: ${await exitOutput()}` : undefined
  const deadline = performance.now() + (options.readyTimeoutMs ?? 20_000)
  let last = 'no answer yet'
  while (performance.now() < deadline) {
    if (exited) throw new Error(`${options.name} exited with code ${child.exitCode}: ${await exitOutput()}`)
    try {
      const response = await fetch(options.readyUrl, { signal: AbortSignal.timeout(1000) })
      await response.arrayBuffer()
      if (response.status === 200)
        return { name: options.name, url: options.url, pid: child.pid, exitReport, stop }
      last = `HTTP ${response.status}`
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
    await Bun.sleep(100)
  }
  await stop()
  throw new Error(
    `${options.name} not ready at ${options.readyUrl} within ${options.readyTimeoutMs ?? 20_000} ms (${last}): ${await exitOutput()}`,
  )
}

/** Debian's nginx in the foreground with a config rendered from the template into `dir`. */
export async function startNginx(options: {
  readonly dir: string
  readonly template: string
  readonly port: number
  readonly upstreamPort: number
  readonly cpu: string
  readonly cwd: string
  readonly logPath: string
}): Promise<Server> {
  const { mkdir, chmod } = await import('node:fs/promises')
  // nginx workers run as an unprivileged user when started by root: they must be able to use the temp dirs.
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    await mkdir(`${options.dir}/${sub}`, { recursive: true })
  await chmod(options.dir, 0o755)
  const config = renderTemplate(options.template, {
    DIR: options.dir,
    PORT: options.port,
    UPSTREAM_PORT: options.upstreamPort,
  })
  await Bun.write(`${options.dir}/nginx.conf`, config)
  const url = `http://127.0.0.1:${options.port}`
  return startServer({
    name: 'nginx',
    cmd: [
      'nginx',
      '-p',
      options.dir,
      '-e',
      `${options.dir}/error.log`,
      '-c',
      `${options.dir}/nginx.conf`,
      '-g',
      'daemon off;',
    ],
    cpu: options.cpu,
    readyUrl: `${url}/health`,
    url,
    cwd: options.cwd,
    logPath: options.logPath,
  })
}
