/** @module Host metrics (CPU, memory, load) from systeminformation, under `gpu_exporter_host_`. */

import { FamilyBuilder } from '../render.ts'
import type { Collector, CollectResult } from './collector.ts'

export interface HostReading {
  /** Percent busy across all CPUs since the previous reading (systeminformation's currentLoad). */
  readonly cpuPercent: number
  readonly cpus: number
  readonly memory: { readonly total: number; readonly used: number; readonly available: number }
  readonly load: readonly [number, number, number]
}

/** Where readings come from; main.ts wires systeminformation and os.loadavg, tests pass fakes. */
export type HostReader = () => Promise<HostReading>

const METRICS: readonly [name: string, help: string, value: (reading: HostReading) => number][] = [
  [
    'gpu_exporter_host_cpu_utilization_ratio',
    'Host CPU busy ratio (0-1) over the last poll interval.',
    (r) => r.cpuPercent / 100,
  ],
  ['gpu_exporter_host_cpus', 'Number of logical CPUs.', (r) => r.cpus],
  ['gpu_exporter_host_memory_total_bytes', 'Host memory total in bytes.', (r) => r.memory.total],
  [
    'gpu_exporter_host_memory_used_bytes',
    'Host memory used in bytes (total minus available).',
    (r) => r.memory.used,
  ],
  ['gpu_exporter_host_memory_available_bytes', 'Host memory available in bytes.', (r) => r.memory.available],
  ['gpu_exporter_host_load1', 'Host 1-minute load average.', (r) => r.load[0]],
  ['gpu_exporter_host_load5', 'Host 5-minute load average.', (r) => r.load[1]],
  ['gpu_exporter_host_load15', 'Host 15-minute load average.', (r) => r.load[2]],
]

export function createHostCollector(read: HostReader, hostname: string): Collector {
  return {
    name: 'host',
    async collect(): Promise<CollectResult> {
      let reading: HostReading
      try {
        reading = await read()
      } catch (error) {
        return {
          ok: false,
          error: `host metrics unavailable: ${error instanceof Error ? error.message : String(error)}`,
        }
      }
      const builder = new FamilyBuilder()
      for (const [name, help, value] of METRICS) {
        const number = value(reading)
        if (Number.isFinite(number)) builder.add(name, help, [['Hostname', hostname]], number)
      }
      return { ok: true, families: builder.build(), warnings: [] }
    },
  }
}
