/**
 * @module `bun run dev`: the local stack in one command. vllm-sim (unless VLLM_URL is set), gpu-exporter, then
 * the gateway, each waited on until healthy; a summary with a dev API key; Ctrl-C/SIGTERM stops all of it.
 */
import { randomBytes } from 'node:crypto'
import { ConfigError } from '../packages/config/src/index.ts'
import { loadDevConfig, REPO_ROOT } from './lib/dev-config.ts'
import { formatTable } from './lib/format-table.ts'
import { checkHealth, waitHealthy } from './lib/http-check.ts'
import { readPidFiles, removePidFile, writePidFile } from './lib/pid-file.ts'
import { isPortFree } from './lib/port-check.ts'
import { isSameProcess, readIdentity } from './lib/process-identity.ts'
import { type RunningService, startService } from './lib/service-process.ts'
import { planStack } from './lib/stack-plan.ts'
import { stopProcess } from './lib/stop-process.ts'

const say = (text: string) => console.error(`[dev] ${text}`)

let config: ReturnType<typeof loadDevConfig>
try {
  config = loadDevConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`dev: ${error.message}`)
  process.exit(2)
}

const { runDir } = config
const live = readPidFiles(runDir).filter((record) => isSameProcess(record.pid, record.identity))
if (live.length > 0) {
  const list = live.map((record) => `${record.service} (pid ${record.pid})`).join(', ')
  console.error(`dev: already running: ${list}. Use \`bun run status\`, or \`bun run stop\` first.`)
  process.exit(1)
}
for (const stale of readPidFiles(runDir)) removePidFile(runDir, stale.service)

const generatedKey = config.gatewayApiKeys ? undefined : `sk-dev-${randomBytes(18).toString('base64url')}`
const apiKeys = config.gatewayApiKeys ?? generatedKey ?? ''
const plan = planStack(config, apiKeys, process.execPath, REPO_ROOT)
say(
  plan.usesSimulator
    ? `upstream: vllm-sim simulator (no GPU) at ${plan.upstreamUrl}`
    : `upstream: vLLM at ${plan.upstreamUrl} (VLLM_URL)`,
)

const identity = readIdentity(process.pid)
if (identity)
  writePidFile(runDir, {
    service: 'dev',
    pid: process.pid,
    port: 0,
    healthUrl: '',
    startedAt: new Date().toISOString(),
    identity,
  })

const started: RunningService[] = []
let stopping = false

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    say('stopping the stack')
    for (const service of [...started].reverse()) {
      const outcome = await stopProcess(service.record, config.stopGraceMs)
      say(`${service.spec.name} (pid ${service.record.pid}): ${outcome}`)
      removePidFile(runDir, service.spec.name)
    }
    removePidFile(runDir, 'dev')
  }
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))

const taken = plan.services.filter((spec) => !isPortFree(config.host, spec.port))
if (taken.length > 0) {
  const list = taken.map((spec) => `${spec.name} port ${spec.port}`).join(', ')
  say(
    `already in use: ${list}. Stop what holds them or choose other ports (SIM_PORT, GATEWAY_PORT, EXPORTER_PORT).`,
  )
  removePidFile(runDir, 'dev')
  process.exit(1)
}

for (const spec of plan.services) {
  say(`starting ${spec.name} on port ${spec.port}`)
  let service: RunningService
  try {
    service = startService(spec, runDir, process.env, process.pid)
  } catch (error) {
    say(`${spec.name} failed to start: ${error instanceof Error ? error.message : error}`)
    await shutdown(1)
    break
  }
  started.push(service)
  const running = () => service.proc.exitCode === null && service.proc.signalCode === null
  const result = await waitHealthy(spec.healthUrl, config.readyTimeoutMs, running)
  if (stopping) break
  if (!result.ok) {
    say(
      running()
        ? `${spec.name} not healthy after ${config.readyTimeoutMs} ms (${spec.healthUrl}: ${result.last})`
        : `${spec.name} exited with code ${service.proc.exitCode} before it was healthy (port ${spec.port} in use? see its log above)`,
    )
    await shutdown(1)
  }
  void service.proc.exited.then((code) => {
    if (stopping) return
    say(`${spec.name} exited unexpectedly (code ${code}); stopping the rest`)
    void shutdown(1)
  })
}

const ready = await checkHealth(`${plan.gatewayUrl}/ready`)
const rows = started.map((service) => [
  service.spec.name,
  String(service.record.pid),
  String(service.spec.port),
  'ok',
  service.spec.healthUrl,
])
console.log(`\n${formatTable(['SERVICE', 'PID', 'PORT', 'HEALTH', 'URL'], rows)}`)
console.log(`gateway /ready: ${ready}${ready === 'ok' ? '' : ' (the upstream may still be warming up)'}`)
const key = apiKeys.split(',')[0]?.trim() ?? ''
if (generatedKey)
  console.log(
    `\n  Development API key (generated, set GATEWAY_API_KEYS to choose your own):\n\n    ${generatedKey}\n`,
  )
const model = plan.usesSimulator ? config.simModel : '<model>'
console.log(
  `Try it:\n  curl ${plan.gatewayUrl}/v1/chat/completions -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\\n    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello!"}]}'\n`,
)
say(`stack up; pid files in ${runDir}. Ctrl-C stops everything (or \`bun run stop\` from another terminal).`)
