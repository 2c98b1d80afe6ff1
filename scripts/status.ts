/** @module `bun run status`: each service `dev` started, from its pid file plus a health probe. Exit 0 only when all are healthy. */
import { ConfigError } from '../packages/config/src/index.ts'
import { loadDevConfig } from './lib/dev-config.ts'
import { formatTable, formatUptime } from './lib/format-table.ts'
import { checkHealth } from './lib/http-check.ts'
import { readPidFiles } from './lib/pid-file.ts'
import { isSameProcess } from './lib/process-identity.ts'

let runDir: string
try {
  runDir = loadDevConfig(process.env).runDir
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`status: ${error.message}`)
  process.exit(2)
}

const records = readPidFiles(runDir)
if (records.length === 0) {
  console.log(`nothing is running: no pid files in ${runDir} (start the stack with \`bun run dev\`)`)
  process.exit(3)
}

let allGood = true
const rows = await Promise.all(
  records.map(async (record) => {
    const running = isSameProcess(record.pid, record.identity)
    const health = !running ? '-' : record.healthUrl ? await checkHealth(record.healthUrl) : 'n/a'
    if (!running || (health !== 'ok' && health !== 'n/a')) allGood = false
    return [
      record.service,
      String(record.pid),
      record.port ? String(record.port) : '-',
      running ? 'running' : 'not running (stale pid file)',
      health,
      running ? formatUptime(Date.now() - Date.parse(record.startedAt)) : '-',
      record.healthUrl || '-',
    ]
  }),
)
console.log(formatTable(['SERVICE', 'PID', 'PORT', 'STATE', 'HEALTH', 'UPTIME', 'HEALTH URL'], rows))
process.exit(allGood ? 0 : 1)
