/**
 * @module The process_* series the dashboards read (CPU, resident memory) and the start time, sampled at scrape time
 * with prom-client's names, help and values. They replace prom-client's collectDefaultMetrics, whose 13 collectors
 * (an event-loop delay timer every 100 ms, a GC observer, heap-space and handle gauges...) cost resident memory and
 * idle CPU for nodejs_* series that no dashboard or alert uses.
 */
import { readFileSync } from 'node:fs'
import type { Registry } from 'prom-client'
import Counter from 'prom-client/lib/counter'
import Gauge from 'prom-client/lib/gauge'

/** VmRSS as prom-client reads it on Linux; Bun's process.memoryUsage().rss reports a few MB less than the kernel. */
function residentBytes(): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    if (kb !== undefined) return Number(kb) * 1024
  } catch {
    // Not Linux: fall through to the runtime's own figure.
  }
  return process.memoryUsage().rss
}

/** Registers the process series in `registry`; each reads its value when the registry renders. */
export function registerProcessMetrics(registry: Registry): void {
  const registers = [registry]
  let last = process.cpuUsage()
  const user = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    // One read of the CPU times feeds the three counters, so they always add up.
    collect() {
      const now = process.cpuUsage()
      const userSeconds = (now.user - last.user) / 1e6
      const systemSeconds = (now.system - last.system) / 1e6
      last = now
      user.inc(userSeconds)
      system.inc(systemSeconds)
      total.inc(userSeconds + systemSeconds)
    },
  })
  const system = new Counter({
    name: 'process_cpu_system_seconds_total',
    help: 'Total system CPU time spent in seconds.',
    registers,
  })
  const total = new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
  })
  new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    registers,
    collect() {
      this.set(residentBytes())
    },
  })
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime())
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    registers,
    // Summing start times across worker threads would mean nothing; prom-client omits it from the aggregate too.
    aggregator: 'omit',
    collect() {
      this.set(startSeconds)
    },
  })
}
