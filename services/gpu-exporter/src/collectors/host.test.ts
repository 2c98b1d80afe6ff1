import { describe, expect, test } from 'bun:test'
import { renderFamilies } from '../render.ts'
import { createHostCollector } from './host.ts'

const reading = {
  cpuPercent: 25,
  cpus: 2,
  memory: { total: 8_000_000_000, used: 3_000_000_000, available: 5_000_000_000 },
  load: [0.5, 1, 1.5] as const,
}

describe('createHostCollector', () => {
  test('maps a reading to gpu_exporter_host_* families in base units', async () => {
    const result = await createHostCollector(async () => reading, 'node-1').collect()
    if (!result.ok) throw new Error(result.error)
    const text = renderFamilies(result.families)
    for (const line of [
      'gpu_exporter_host_cpu_utilization_ratio{Hostname="node-1"} 0.25',
      'gpu_exporter_host_cpus{Hostname="node-1"} 2',
      'gpu_exporter_host_memory_total_bytes{Hostname="node-1"} 8000000000',
      'gpu_exporter_host_memory_used_bytes{Hostname="node-1"} 3000000000',
      'gpu_exporter_host_memory_available_bytes{Hostname="node-1"} 5000000000',
      'gpu_exporter_host_load1{Hostname="node-1"} 0.5',
      'gpu_exporter_host_load15{Hostname="node-1"} 1.5',
    ])
      expect(text).toContain(`${line}\n`)
  })

  test('a non-finite value is omitted, not exported as NaN', async () => {
    const result = await createHostCollector(
      async () => ({ ...reading, cpuPercent: Number.NaN }),
      'h',
    ).collect()
    expect(result.ok && renderFamilies(result.families)).not.toContain('cpu_utilization')
  })

  test('a reader failure becomes a collector failure with the reason', async () => {
    const result = await createHostCollector(async () => {
      throw new Error('no /proc')
    }, 'h').collect()
    expect(result).toEqual({ ok: false, error: 'host metrics unavailable: no /proc' })
  })
})
