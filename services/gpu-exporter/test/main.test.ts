/**
 * Boots the real entry point (`bun src/main.ts`) on 127.0.0.1 with a free port: once with no nvidia-smi at all
 * (this machine), once with the fake nvidia-smi. Polls with bounded timeouts.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fakeSmi, T4_XML } from './synthesize.ts'

const dir = await mkdtemp(join(tmpdir(), 'gpu-exporter-main-'))
const children: ReturnType<typeof Bun.spawn>[] = []
afterAll(async () => {
  for (const child of children) child.kill()
  await Promise.all(children.map((child) => child.exited))
  await rm(dir, { recursive: true, force: true })
})

interface Booted {
  base: string
  lines: Record<string, unknown>[]
}

async function boot(env: Record<string, string>): Promise<Booted> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, '..', 'src', 'main.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', GPU_POLL_MS: '200', ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  children.push(child)
  const lines: Record<string, unknown>[] = []
  const decoder = new TextDecoder()
  let buffer = ''
  const reader = child.stdout.getReader()
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value)
      let newline = buffer.indexOf('\n')
      while (newline >= 0) {
        lines.push(JSON.parse(buffer.slice(0, newline)))
        buffer = buffer.slice(newline + 1)
        newline = buffer.indexOf('\n')
      }
    }
  })()
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const listening = lines.find((line) => typeof line.port === 'number')
    if (listening) return { base: `http://127.0.0.1:${listening.port}`, lines }
    await Bun.sleep(20)
  }
  throw new Error(`exporter did not start: ${JSON.stringify(lines)}`)
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const value = await probe()
    if (value !== undefined) return value
    await Bun.sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('bun src/main.ts', () => {
  test('without nvidia-smi: keeps serving /health and /metrics with collector_success 0 and logs why', async () => {
    const { base, lines } = await boot({ NVIDIA_SMI_PATH: join(dir, 'no-nvidia-smi'), HOST_METRICS: 'on' })
    const metrics = await until(async () => {
      const text = await (await fetch(`${base}/metrics`)).text()
      return text.includes('gpu_exporter_collector_success{collector="host"} 1') ? text : undefined
    }, 'a host sample')
    expect(metrics).toContain('gpu_exporter_collector_success{collector="gpu"} 0\n')
    expect(metrics).toContain('gpu_exporter_host_memory_total_bytes{')
    expect(metrics).not.toContain('DCGM_FI_')
    const health = await fetch(`${base}/health`)
    expect(health.status).toBe(200)
    expect(((await health.json()) as { collectors: { error?: string }[] }).collectors[0]?.error).toContain(
      'not found',
    )
    const failure = lines.find((line) => String(line.msg).startsWith('collector gpu failed'))
    expect(failure?.level).toBe('error')
    expect(String(failure?.msg)).toContain('not found (is the NVIDIA driver installed? set NVIDIA_SMI_PATH)')
    // logged once, not once per poll
    await Bun.sleep(500)
    expect(lines.filter((line) => String(line.msg).startsWith('collector gpu failed'))).toHaveLength(1)
  })

  test('with NVIDIA_SMI_PATH pointing at the fake: serves DCGM metrics polled in the background', async () => {
    const count = join(dir, 'runs.log')
    const path = await fakeSmi(dir, { FAKE_SMI_XML: T4_XML, FAKE_SMI_COUNT: count })
    const { base } = await boot({ NVIDIA_SMI_PATH: path, HOST_METRICS: 'off' })
    const metrics = await until(async () => {
      const text = await (await fetch(`${base}/metrics`)).text()
      return text.includes('DCGM_FI_DEV_GPU_TEMP{') ? text : undefined
    }, 'a GPU sample')
    expect(metrics).toMatch(/\nDCGM_FI_DEV_POWER_USAGE\{[^}]*modelName="Tesla T4"[^}]*\} 26\.78\n/)
    expect(metrics).toContain('gpu_exporter_collector_success{collector="gpu"} 1\n')
    expect(metrics).not.toContain('collector="host"')
    // background polling continues without scrapes
    await until(
      async () => ((await Bun.file(count).text()).split('\n').length > 3 ? true : undefined),
      'more polls',
    )
  })

  test('bad configuration exits non-zero, naming every bad variable', async () => {
    const child = Bun.spawn([process.execPath, join(import.meta.dir, '..', 'src', 'main.ts')], {
      env: { PATH: process.env.PATH ?? '', PORT: 'nope', GPU_POLL_MS: '1' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited])
    expect(exitCode).not.toBe(0)
    expect(stderr).toContain('PORT=')
    expect(stderr).toContain('GPU_POLL_MS=')
  })
})
