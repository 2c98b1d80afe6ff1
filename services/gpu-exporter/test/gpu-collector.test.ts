/**
 * The GPU collector end to end through the real spawn path: a fake nvidia-smi (test/fixtures/fake-nvidia-smi)
 * prints the captures, for every fixture, in both the XML and the CSV source modes.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app.ts'
import { createGpuCollector, type SmiSource } from '../src/collectors/gpu.ts'
import { createCollectorRegistry } from '../src/collectors/registry.ts'
import { createSmiRunner } from '../src/nvidia-smi/runner.ts'
import { renderFamilies } from '../src/render.ts'
import {
  A100_XML,
  fakeSmi,
  H100_CAPTURE,
  H100_CORE_CSV,
  H100_IDLE_CSV,
  multiGpuXml,
  RTX_APPS_CSV,
  T4_XML,
  v13Xml,
} from './synthesize.ts'

const dir = await mkdtemp(join(tmpdir(), 'gpu-exporter-collector-'))
afterAll(() => rm(dir, { recursive: true, force: true }))
const GOLDEN = join(import.meta.dir, 'golden')

async function collect(env: Record<string, string>, source: SmiSource = 'xml', timeoutMs = 5000) {
  const runner = createSmiRunner({ path: await fakeSmi(dir, env), timeoutMs })
  const collector = createGpuCollector({ runner, source, hostname: 'node-1' })
  const result = await collector.collect()
  return { result, runner, collector, text: result.ok ? renderFamilies(result.families) : '' }
}

async function xmlFile(name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await Bun.write(path, text)
  return path
}

describe('XML source (nvidia-smi -q -x)', () => {
  test.each([
    ['tesla-t4.prom', T4_XML],
    ['a100-mig.prom', A100_XML],
  ])('matches the golden exposition %s', async (golden, xml) => {
    const { result, text, runner } = await collect({ FAKE_SMI_XML: xml })
    expect(result.ok).toBe(true)
    expect(text).toBe(await Bun.file(join(GOLDEN, golden)).text())
    expect(runner.spawned).toBe(1)
  })

  test('v13 power schema (synthesized from the A100 capture)', async () => {
    const path = await xmlFile('v13.xml', v13Xml(await Bun.file(A100_XML).text()))
    const { text } = await collect({ FAKE_SMI_XML: path })
    expect(text).toMatch(/\nDCGM_FI_DEV_POWER_USAGE\{[^}]*\} 67\.03\n/)
    expect(text).toMatch(/\nnvidia_smi_power_draw_instant_watts\{[^}]*\} 71\.5\n/)
  })

  test('multi-GPU: eight GPUs synthesized from the T4 and A100 captures, one run', async () => {
    const path = await xmlFile(
      'multi.xml',
      multiGpuXml([await Bun.file(T4_XML).text(), await Bun.file(A100_XML).text()], 8),
    )
    const { text, runner } = await collect({ FAKE_SMI_XML: path })
    expect(runner.spawned).toBe(1)
    const power = text.split('\n').filter((line) => line.startsWith('DCGM_FI_DEV_POWER_USAGE{'))
    expect(power.map((line) => line.slice(line.lastIndexOf(' ') + 1))).toEqual([
      '26.78',
      '67.03',
      '26.78',
      '67.03',
      '26.78',
      '67.03',
      '26.78',
      '67.03',
    ])
    expect(text).toContain('pci_bus_id="00000000:08:00.0",device="nvidia7"')
  })

  test('scrapes are served from the cache: 500 scrapes after one poll start no nvidia-smi', async () => {
    const { runner, collector } = await collect({ FAKE_SMI_XML: T4_XML })
    const registry = createCollectorRegistry({
      collectors: [collector],
      logger: { info() {}, warn() {}, error() {} },
      now: Date.now,
    })
    await registry.pollAll()
    const handler = createApp(registry)
    const bodies = await Promise.all(
      Array.from({ length: 500 }, () => handler(new Request('http://x/metrics')).text()),
    )
    expect(bodies.every((body) => body.includes('DCGM_FI_DEV_GPU_TEMP{'))).toBe(true)
    // one run from collect() above, one from pollAll(); none from the scrapes
    expect(runner.spawned).toBe(2)
  })

  test('nvidia-smi stderr on success is a warning, not a failure', async () => {
    const { result } = await collect({ FAKE_SMI_XML: T4_XML, FAKE_SMI_BEHAVIOUR: 'stderr' })
    expect(result.ok && result.warnings).toEqual([
      'nvidia-smi stderr: WARNING: infoROM is corrupted at gpu 0000:01:00.0',
    ])
  })
})

describe('CSV source (--query-gpu, --query-compute-apps)', () => {
  test('the full H100 capture under load matches the golden exposition', async () => {
    const { result, text, runner } = await collect({ FAKE_SMI_CAPTURE: H100_CAPTURE }, 'csv')
    expect(result.ok).toBe(true)
    expect(text).toBe(await Bun.file(join(GOLDEN, 'h100-csv-load.prom')).text())
    // discovery (--help-query-gpu, --version) once, then query-gpu + query-compute-apps
    expect(runner.spawned).toBe(4)
  })

  test('idle phase: 0 % utilisation, 345 MHz SM clock, no processes', async () => {
    const { text } = await collect({ FAKE_SMI_CAPTURE: H100_CAPTURE, FAKE_SMI_PHASE: 'idle' }, 'csv')
    expect(text).toMatch(/\nDCGM_FI_DEV_GPU_UTIL\{[^}]*\} 0\n/)
    expect(text).toMatch(/\nDCGM_FI_DEV_SM_CLOCK\{[^}]*\} 345\n/)
    expect(text).toMatch(/\nDCGM_FI_DEV_POWER_USAGE\{[^}]*\} 69\.85\n/)
    expect(text).toMatch(/\nnvidia_smi_processes\{[^}]*\} 0\n/)
    expect(text).not.toContain('nvidia_smi_process_used_memory_bytes')
    // the standalone idle CSV file is the same capture section: same exposition
    const file = await collect(
      { FAKE_SMI_CAPTURE: H100_CAPTURE, FAKE_SMI_PHASE: 'idle', FAKE_SMI_GPU_CSV: H100_IDLE_CSV },
      'csv',
    )
    expect(file.text).toBe(text)
  })

  test('the derived core-fields CSV and the Windows per-process CSV', async () => {
    const { result, text, runner, collector } = await collect(
      { FAKE_SMI_CAPTURE: H100_CAPTURE, FAKE_SMI_GPU_CSV: H100_CORE_CSV, FAKE_SMI_APPS_CSV: RTX_APPS_CSV },
      'csv',
    )
    expect(result.ok).toBe(true)
    expect(text).toMatch(/\nDCGM_FI_DEV_FB_USED\{[^}]*\} 19818\n/)
    expect(text).toMatch(/\nnvidia_smi_power_limit_watts\{[^}]*\} 700\n/)
    expect(text).not.toContain('nvidia_smi_fan_speed_ratio')
    expect(text).toMatch(/\nnvidia_smi_processes\{[^}]*\} 21\n/)
    expect(text).not.toContain('nvidia_smi_process_used_memory_bytes')
    // the second poll skips discovery: two runs per poll
    await collector.collect()
    expect(runner.spawned).toBe(6)
  })

  test('a failing per-process query is a warning; the GPU metrics are still served', async () => {
    const { result } = await collect(
      { FAKE_SMI_CAPTURE: H100_CAPTURE, FAKE_SMI_APPS_CSV: join(dir, 'missing.csv') },
      'csv',
    )
    expect(result.ok).toBe(true)
    expect(result.ok && result.warnings.join()).toContain('per-process query failed')
  })
})

describe('failures are collector failures with a clear reason', () => {
  test('missing binary', async () => {
    const runner = createSmiRunner({ path: join(dir, 'absent', 'nvidia-smi'), timeoutMs: 1000 })
    const result = await createGpuCollector({ runner, source: 'xml', hostname: 'h' }).collect()
    expect(!result.ok && result.error).toContain('not found')
  })

  test('driver not loaded (non-zero exit)', async () => {
    const { result } = await collect({ FAKE_SMI_BEHAVIOUR: 'fail' })
    expect(!result.ok && result.error).toContain(
      "exited with status 9: NVIDIA-SMI has failed because it couldn't communicate",
    )
  })

  test('garbage output', async () => {
    const { result } = await collect({ FAKE_SMI_BEHAVIOUR: 'garbage' })
    expect(!result.ok && result.error).toContain('not valid XML')
    const csv = await collect({ FAKE_SMI_CAPTURE: H100_CAPTURE, FAKE_SMI_GPU_CSV: T4_XML }, 'csv')
    expect(!csv.result.ok && csv.result.error).toContain('not a field list')
  })

  test('a hung nvidia-smi is killed after the timeout', async () => {
    const started = performance.now()
    const { result } = await collect({ FAKE_SMI_BEHAVIOUR: 'hang' }, 'xml', 300)
    expect(!result.ok && result.error).toContain('timed out after 300 ms and was killed')
    expect(performance.now() - started).toBeLessThan(5000)
  })

  test('CSV discovery failing, or listing nothing usable, fails the poll', async () => {
    const hung = await collect({ FAKE_SMI_BEHAVIOUR: 'fail' }, 'csv')
    expect(!hung.result.ok && hung.result.error).toContain('exited with status 9')
    const empty = await collect({ FAKE_SMI_CAPTURE: join(dir, 'empty.txt') }, 'csv')
    expect(!empty.result.ok && empty.result.error).toContain('lists no usable fields')
  })
})
