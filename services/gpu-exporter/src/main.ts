/** @module gpu-exporter entry point: the only file with side effects (env, spawn, timers, socket, signals). */
import { loadavg, hostname as osHostname } from 'node:os'
import { createLogger } from '@infergate/logger'
import si from 'systeminformation'
import { createApp } from './app.ts'
import type { Collector } from './collectors/collector.ts'
import { createGpuCollector } from './collectors/gpu.ts'
import { createHostCollector } from './collectors/host.ts'
import { createCollectorRegistry } from './collectors/registry.ts'
import { loadConfig } from './config.ts'
import { createSmiRunner } from './nvidia-smi/runner.ts'

const config = loadConfig(process.env)
const logger = createLogger({ service: 'gpu-exporter', level: config.logLevel })
const hostname = config.hostname ?? osHostname()

const collectors: Collector[] = [
  createGpuCollector({
    runner: createSmiRunner({ path: config.smiPath, timeoutMs: config.smiTimeoutMs }),
    source: config.smiSource,
    hostname,
  }),
]
if (config.hostMetrics) {
  collectors.push(
    createHostCollector(async () => {
      const [load, memory] = await Promise.all([si.currentLoad(), si.mem()])
      const [one = 0, five = 0, fifteen = 0] = loadavg()
      return {
        cpuPercent: load.currentLoad,
        cpus: load.cpus.length,
        memory: { total: memory.total, used: memory.total - memory.available, available: memory.available },
        load: [one, five, fifteen],
      }
    }, hostname),
  )
}

const registry = createCollectorRegistry({ collectors, logger, now: Date.now })
registry.start(config.pollMs)
const server = Bun.serve({ hostname: config.host, port: config.port, fetch: createApp(registry) })
logger.info(
  {
    port: server.port,
    host: config.host,
    pollMs: config.pollMs,
    nvidiaSmi: config.smiPath,
    source: config.smiSource,
  },
  `gpu-exporter listening on http://${config.host}:${server.port}/metrics`,
)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    registry.stop()
    void server.stop().then(() => process.exit(0))
  })
}
