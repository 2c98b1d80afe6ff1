/** Integration: `bun run dev` starts sim + exporter + gateway, `status` reports them, `stop` and Ctrl-C stop them. */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readPidFiles, writePidFile } from '../lib/pid-file.ts'
import { readIdentity } from '../lib/process-identity.ts'

const root = join(import.meta.dir, '..', '..')
const runDir = mkdtempSync(join(tmpdir(), 'dev-stack-'))
const cleanup: (() => void)[] = []
afterAll(() => {
  for (const step of cleanup) step()
  rmSync(runDir, { recursive: true, force: true })
})

function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const port = server.port ?? 0
  server.stop(true)
  return port
}

const ports = { SIM_PORT: freePort(), GATEWAY_PORT: freePort(), EXPORTER_PORT: freePort() }
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  RUN_DIR: runDir,
  LOG_LEVEL: 'warn',
  DEV_STOP_GRACE_MS: '3000',
  ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
}

function startDev() {
  const proc = Bun.spawn([process.execPath, join(root, 'scripts/dev.ts')], {
    env,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  cleanup.push(() => {
    if (proc.exitCode === null) proc.kill('SIGTERM')
  })
  const output = { stdout: '', stderr: '' }
  const collect = async (stream: ReadableStream<Uint8Array>, key: 'stdout' | 'stderr') => {
    for await (const chunk of stream) output[key] += new TextDecoder().decode(chunk)
  }
  void collect(proc.stdout, 'stdout')
  void collect(proc.stderr, 'stderr')
  const until = async (text: string, timeoutMs = 40_000) => {
    const deadline = performance.now() + timeoutMs
    while (!output.stderr.includes(text) && performance.now() < deadline && proc.exitCode === null)
      await Bun.sleep(50)
    if (!output.stderr.includes(text))
      throw new Error(`no "${text}" from dev:\n${output.stderr}\n${output.stdout}`)
  }
  return { proc, output, until }
}

const run = (script: string) => {
  const result = Bun.spawnSync([process.execPath, join(root, `scripts/${script}.ts`)], { env })
  return { code: result.exitCode, out: result.stdout.toString() + result.stderr.toString() }
}

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

describe('bun run dev | status | stop', () => {
  test('dev starts the stack with a generated key; status shows it; stop ends only its own pids', async () => {
    const dev = startDev()
    await dev.until('stack up')
    expect(dev.output.stderr).toContain(
      `upstream: vllm-sim simulator (no GPU) at http://127.0.0.1:${ports.SIM_PORT}`,
    )
    const key = /sk-dev-[\w-]+/.exec(dev.output.stdout)?.[0] ?? ''
    expect(key).not.toBe('')
    expect(dev.output.stdout).toContain(`curl http://127.0.0.1:${ports.GATEWAY_PORT}/v1/chat/completions`)
    const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`
    expect(
      (await fetch(`${gateway}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(200)
    expect((await fetch(`${gateway}/v1/models`)).status).toBe(401)

    // A second dev on the same run directory refuses to start.
    const second = run('dev')
    expect(second.code).toBe(1)
    expect(second.out).toContain('already running')

    const status = run('status')
    expect(status.code).toBe(0)
    for (const service of ['dev', 'gateway', 'gpu-exporter', 'vllm-sim'])
      expect(status.out).toMatch(new RegExp(`^${service} +\\d+ .*running`, 'm'))
    expect(status.out.match(/ ok /g)?.length).toBe(3)

    // A pid file whose process is no longer the one recorded (recycled pid): stop must not touch it.
    const decoy = Bun.spawn(['sleep', '30'])
    cleanup.push(() => decoy.kill())
    writePidFile(runDir, {
      service: 'decoy',
      pid: decoy.pid,
      port: 1,
      healthUrl: '',
      startedAt: new Date().toISOString(),
      identity: { startTime: '1', cmdline: 'bun services/old/main.ts' },
    })
    const pids = readPidFiles(runDir)
      .filter((record) => record.service !== 'decoy')
      .map((record) => record.pid)

    const stop = run('stop')
    expect(stop.code).toBe(0)
    expect(stop.out).toContain(`dev (pid ${dev.proc.pid}): stopped`)
    expect(stop.out).toContain(`decoy (pid ${decoy.pid}): not running, stale pid file removed`)
    expect(await dev.proc.exited).toBe(0)
    for (const pid of pids) expect(alive(pid)).toBe(false)
    expect(alive(decoy.pid)).toBe(true)
    expect(readIdentity(decoy.pid)).toBeDefined()
    expect(readPidFiles(runDir)).toEqual([])
    expect(run('status').code).toBe(3)
  }, 60_000)

  test('dev refuses to start when one of its ports is taken, and starts nothing', async () => {
    const squatter = Bun.serve({
      port: ports.GATEWAY_PORT,
      hostname: '127.0.0.1',
      fetch: () => new Response(''),
    })
    try {
      const result = run('dev')
      expect(result.code).toBe(1)
      expect(result.out).toContain(`already in use: gateway port ${ports.GATEWAY_PORT}`)
      expect(readPidFiles(runDir)).toEqual([])
    } finally {
      squatter.stop(true)
    }
  })

  test('Ctrl-C (SIGINT) on dev stops every service and removes the pid files', async () => {
    const dev = startDev()
    await dev.until('stack up')
    const pids = readPidFiles(runDir).map((record) => record.pid)
    expect(pids).toHaveLength(4)
    dev.proc.kill('SIGINT')
    expect(await dev.proc.exited).toBe(0)
    for (const pid of pids) expect(alive(pid)).toBe(false)
    expect(readPidFiles(runDir)).toEqual([])
    expect(dev.output.stderr).toMatch(/gateway \(pid \d+\): stopped/)
  }, 60_000)
})
