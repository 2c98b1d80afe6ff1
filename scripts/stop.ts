/**
 * @module `bun run stop`: stops what `bun run dev` started, by pid only, and only pids whose start time and command
 * line still match the pid file (a recycled pid is never signalled). Asks `dev` first so it stops its services in order.
 */
import { ConfigError } from '../packages/config/src/index.ts'
import { loadDevConfig } from './lib/dev-config.ts'
import { readPidFiles, removePidFile } from './lib/pid-file.ts'
import { stopProcess } from './lib/stop-process.ts'

let config: ReturnType<typeof loadDevConfig>
try {
  config = loadDevConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`stop: ${error.message}`)
  process.exit(2)
}

const { runDir, stopGraceMs } = config
const records = readPidFiles(runDir)
if (records.length === 0) {
  console.log(`nothing to stop: no pid files in ${runDir}`)
  process.exit(0)
}

const report = (service: string, pid: number, outcome: string) =>
  console.log(
    `${service} (pid ${pid}): ${outcome === 'not-running' ? 'not running, stale pid file removed' : outcome}`,
  )

const dev = records.find((record) => record.service === 'dev')
if (dev) {
  // dev stops each service with its own grace; give it room for all of them.
  const services = records.length - 1
  report('dev', dev.pid, await stopProcess(dev, stopGraceMs * Math.max(1, services) + 2000))
  removePidFile(runDir, 'dev')
}
// Whatever dev did not clean up (it was killed, or is gone): stop each remaining service directly.
for (const record of readPidFiles(runDir)) {
  report(record.service, record.pid, await stopProcess(record, stopGraceMs))
  removePidFile(runDir, record.service)
}
