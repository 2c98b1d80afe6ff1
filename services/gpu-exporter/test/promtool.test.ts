/**
 * `promtool check metrics` over the whole exposition (8 GPUs incl. MIG and processes, host, self-metrics, and the
 * CSV path). It must run: a missing promtool fails this test (CI installs Debian's prometheus package).
 *
 * promtool 2.x lints label names for camelCase, and dcgm-exporter's `modelName` label (kept verbatim so the stock
 * DCGM dashboard works) is camelCase, and dcgm-exporter's DCGM_FI_DEV_PCIE_REPLAY_COUNTER contains the word
 * "counter". Those two findings, on DCGM_* names kept verbatim, are the only ones accepted; anything else (parse
 * errors, other lint) fails, and the non-DCGM families must pass with no finding at all.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGpuCollector } from '../src/collectors/gpu.ts'
import { createHostCollector } from '../src/collectors/host.ts'
import { createCollectorRegistry } from '../src/collectors/registry.ts'
import { createSmiRunner } from '../src/nvidia-smi/runner.ts'
import { A100_XML, fakeSmi, H100_CAPTURE, multiGpuXml, T4_XML } from './synthesize.ts'

const dir = await mkdtemp(join(tmpdir(), 'gpu-exporter-promtool-'))
afterAll(() => rm(dir, { recursive: true, force: true }))
const quiet = { info() {}, warn() {}, error() {} }

async function promtool(text: string): Promise<{ exitCode: number; findings: string[] }> {
  const binary = Bun.which('promtool')
  if (!binary)
    throw new Error('promtool not found: install Debian package "prometheus" (apt-get install -y prometheus)')
  const child = Bun.spawn([binary, 'check', 'metrics'], {
    stdin: new Blob([text]),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { exitCode, findings: `${stdout}\n${stderr}`.split('\n').filter((line) => line.trim() !== '') }
}

async function exposition(env: Record<string, string>, source: 'xml' | 'csv'): Promise<string> {
  const runner = createSmiRunner({ path: await fakeSmi(dir, env), timeoutMs: 5000 })
  const host = createHostCollector(
    async () => ({
      cpuPercent: 12,
      cpus: 2,
      memory: { total: 8e9, used: 2e9, available: 6e9 },
      load: [0.1, 0.2, 0.3],
    }),
    'node-1',
  )
  const registry = createCollectorRegistry({
    collectors: [createGpuCollector({ runner, source, hostname: 'node-1' }), host],
    logger: quiet,
    now: Date.now,
  })
  await registry.pollAll()
  return registry.render()
}

const ACCEPTED = [
  /^DCGM_FI_\w+ label names should be written in 'snake_case' not 'camelCase'$/,
  /^DCGM_FI_DEV_PCIE_REPLAY_COUNTER metric name should not include type 'counter'$/,
]
const accepted = (line: string) => ACCEPTED.some((pattern) => pattern.test(line))

describe('promtool check metrics', () => {
  test.each(['xml', 'csv'] as const)(
    '%s source: only the findings inherent to DCGM names, nothing else',
    async (source) => {
      const multi = join(dir, 'multi.xml')
      await Bun.write(multi, multiGpuXml([await Bun.file(T4_XML).text(), await Bun.file(A100_XML).text()], 8))
      const text = await exposition(
        source === 'xml' ? { FAKE_SMI_XML: multi } : { FAKE_SMI_CAPTURE: H100_CAPTURE },
        source,
      )
      expect(text).toContain('DCGM_FI_DEV_GPU_TEMP{')
      expect(text).toContain('gpu_exporter_host_load1{')
      expect(text).toContain('nvidia_smi_process_used_memory_bytes{')

      const all = await promtool(text)
      expect(all.findings.filter((line) => !accepted(line))).toEqual([])
      expect(all.findings.length).toBeGreaterThan(0)
      expect([0, 3]).toContain(all.exitCode)

      const withoutDcgm = text
        .split('\n')
        .filter((line) => !line.startsWith('DCGM_') && !/^# (HELP|TYPE) DCGM_/.test(line))
        .join('\n')
      expect(await promtool(withoutDcgm)).toEqual({ exitCode: 0, findings: [] })
    },
  )

  test('promtool itself catches a broken exposition (the check is real)', async () => {
    const broken = await promtool('# TYPE x gauge\nx{a="1" 1\n')
    expect(broken.exitCode).not.toBe(0)
  })
})
