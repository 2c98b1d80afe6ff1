import { describe, expect, test } from 'bun:test'
import type { Collector, CollectResult } from './collector.ts'
import { createCollectorRegistry, selfMetrics } from './registry.ts'

function scripted(name: string, results: CollectResult[]): Collector & { calls: number } {
  const collector = {
    name,
    calls: 0,
    async collect(): Promise<CollectResult> {
      const result = results[Math.min(collector.calls, results.length - 1)]
      collector.calls += 1
      if (!result) throw new Error('boom')
      return result
    },
  }
  return collector
}

const family = (value: number) => ({
  name: 'DCGM_FI_DEV_GPU_TEMP',
  help: 'GPU temperature (in C).',
  type: 'gauge' as const,
  samples: [{ labels: [['gpu', '0']] as const, value }],
})

function recorder() {
  const lines: { level: string; msg: string }[] = []
  const log = (level: string) => (_fields: unknown, msg?: string) => lines.push({ level, msg: msg ?? '' })
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } }
}

describe('createCollectorRegistry', () => {
  test('serves the last sample with success, duration and age computed from the injected clock', async () => {
    let now = 1_000_000
    const { logger } = recorder()
    const registry = createCollectorRegistry({
      collectors: [scripted('gpu', [{ ok: true, families: [family(40)], warnings: [] }])],
      logger,
      now: () => now,
    })
    await registry.pollAll()
    now += 2500
    const text = registry.render()
    expect(text).toContain('DCGM_FI_DEV_GPU_TEMP{gpu="0"} 40\n')
    expect(text).toContain('gpu_exporter_collector_success{collector="gpu"} 1\n')
    expect(text).toContain('gpu_exporter_sample_age_seconds{collector="gpu"} 2.5\n')
    expect(text).toMatch(/gpu_exporter_collector_duration_seconds\{collector="gpu"\} \d/)
  })

  test('before the first poll: success 0, no duration, no age, no GPU series', () => {
    const registry = createCollectorRegistry({
      collectors: [scripted('gpu', [{ ok: false, error: 'x' }])],
      logger: recorder().logger,
      now: () => 0,
    })
    const text = registry.render()
    expect(text).toContain('gpu_exporter_collector_success{collector="gpu"} 0\n')
    expect(text).not.toContain('gpu_exporter_sample_age_seconds')
    expect(text).not.toContain('gpu_exporter_collector_duration_seconds{')
  })

  test('a failed poll drops the GPU series, keeps the age of the last good sample, and logs once per error', async () => {
    let now = 0
    const { lines, logger } = recorder()
    const gpu = scripted('gpu', [
      { ok: true, families: [family(40)], warnings: [] },
      { ok: false, error: 'nvidia-smi not found' },
      { ok: false, error: 'nvidia-smi not found' },
      { ok: true, families: [family(41)], warnings: ['unreadable values dropped: x'] },
    ])
    const registry = createCollectorRegistry({ collectors: [gpu], logger, now: () => now })
    await registry.pollAll()
    now = 10_000
    await registry.pollAll()
    await registry.pollAll()
    const failed = registry.render()
    expect(failed).not.toContain('DCGM_FI_DEV_GPU_TEMP')
    expect(failed).toContain('gpu_exporter_collector_success{collector="gpu"} 0\n')
    expect(failed).toContain('gpu_exporter_sample_age_seconds{collector="gpu"} 10\n')
    expect(registry.states()[0]).toMatchObject({ success: false, polls: 3, error: 'nvidia-smi not found' })
    await registry.pollAll()
    expect(registry.render()).toContain('DCGM_FI_DEV_GPU_TEMP{gpu="0"} 41\n')
    expect(lines).toEqual([
      { level: 'error', msg: 'collector gpu failed: nvidia-smi not found' },
      { level: 'info', msg: 'collector gpu recovered' },
      { level: 'warn', msg: 'collector gpu: unreadable values dropped: x' },
    ])
  })

  test('a collector that throws is a failure of that collector only', async () => {
    const { lines, logger } = recorder()
    const registry = createCollectorRegistry({
      collectors: [
        scripted('gpu', []),
        scripted('host', [{ ok: true, families: [family(1)], warnings: [] }]),
      ],
      logger,
      now: () => 0,
    })
    await registry.pollAll()
    const text = registry.render()
    expect(text).toContain('gpu_exporter_collector_success{collector="gpu"} 0\n')
    expect(text).toContain('gpu_exporter_collector_success{collector="host"} 1\n')
    expect(lines[0]?.msg).toBe('collector gpu failed: collector threw: boom')
  })

  test('the background loop polls repeatedly, never overlapping, and stops', async () => {
    let active = 0
    let overlapped = false
    let calls = 0
    const slow: Collector = {
      name: 'gpu',
      async collect() {
        active += 1
        overlapped ||= active > 1
        calls += 1
        await Bun.sleep(5)
        active -= 1
        return { ok: true, families: [], warnings: [] }
      },
    }
    const registry = createCollectorRegistry({ collectors: [slow], logger: recorder().logger, now: Date.now })
    registry.start(1)
    registry.start(1)
    const deadline = Date.now() + 5000
    while (calls < 3 && Date.now() < deadline) await Bun.sleep(5)
    registry.stop()
    const stoppedAt = calls
    await Bun.sleep(30)
    expect(stoppedAt).toBeGreaterThanOrEqual(3)
    expect(calls).toBeLessThanOrEqual(stoppedAt + 1)
    expect(overlapped).toBe(false)
  })
})

describe('selfMetrics', () => {
  test('never reports a negative age when the clock steps back', () => {
    const text = selfMetrics(
      [{ name: 'gpu', success: true, polls: 1, lastSuccessAt: 5000, warnings: [] }],
      1000,
    )
    expect(text).toContain('gpu_exporter_sample_age_seconds{collector="gpu"} 0\n')
  })
})
