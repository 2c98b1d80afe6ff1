/** @module `bun run vllm`: validates the config, builds each instance's command, then supervises them until SIGTERM. */
import { ConfigError } from '@infergate/config'
import { createLogger } from '@infergate/logger'
import { parseCliArgs, USAGE } from './cli-args.ts'
import { buildCommand, formatDryRun } from './command/build-command.ts'
import { detectVllmVersion } from './command/detect-version.ts'
import { loadConfig } from './config.ts'
import { createInstanceRunner } from './instance-runner.ts'
import { createLauncherMetrics, createMetricsHandler } from './metrics.ts'

const args = parseCliArgs(Bun.argv.slice(2))
if (args.help) {
  console.log(USAGE)
  process.exit(0)
}

let config: ReturnType<typeof loadConfig>
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`vllm-launcher: ${error.message}`)
  process.exit(2)
}

const log = createLogger({ service: 'vllm-launcher', level: config.logLevel })
const versionCache = new Map<string, ReturnType<typeof detectVllmVersion>>()
const commands = await Promise.all(
  config.instances.map(async (instance) => {
    if (instance.vllmVersion) return buildCommand(instance, instance.vllmVersion, args.extraArgs)
    const key = instance.vllmBin.join('\0')
    const detecting =
      versionCache.get(key) ?? detectVllmVersion(instance.vllmBin, config.versionProbeTimeoutMs)
    versionCache.set(key, detecting)
    const detected = await detecting
    const command = buildCommand(instance, detected.version, args.extraArgs)
    if (detected.version) return command
    const warning = `vLLM version unknown (${detected.reason}): assuming a current one (no --swap-space, --runner pooling); set VLLM_VERSION to be sure`
    return { ...command, warnings: [warning, ...command.warnings] }
  }),
)

if (args.dryRun) {
  console.log(commands.map(formatDryRun).join('\n\n'))
  process.exit(0)
}

for (const command of commands)
  for (const warning of command.warnings) log.warn({ instance: command.instance }, warning)

const metrics = createLauncherMetrics(commands.map((command) => command.instance))
const runners = commands.map((command) =>
  createInstanceRunner({ command, policy: config.policy, baseEnv: process.env, log, metrics }),
)
const phases = () =>
  Object.fromEntries(
    commands.map((command, index) => [command.instance, runners[index]?.state().phase ?? 'stopped']),
  )
let server: ReturnType<typeof Bun.serve>
try {
  server = Bun.serve({
    port: config.metricsPort,
    hostname: config.metricsHost,
    fetch: createMetricsHandler(metrics, phases),
  })
} catch (error) {
  // Before any vLLM starts: a launcher without its metrics would supervise blind to Prometheus.
  log.fatal(
    { port: config.metricsPort, error: String(error) },
    'cannot listen for metrics (LAUNCHER_METRICS_PORT in use?); nothing started',
  )
  process.exit(1)
}
log.info(
  { port: server.port, instances: commands.map((c) => ({ instance: c.instance, health: c.healthUrl })) },
  `vllm-launcher metrics on http://${config.metricsHost}:${server.port}/metrics`,
)
for (const runner of runners) runner.start()

let stopping = false
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    // A second signal means "now": SIGKILL every instance's process group rather than leave orphans behind.
    log.warn({ signal }, 'second signal: killing vLLM now')
    for (const runner of runners) runner.kill()
    return
  }
  stopping = true
  log.info({ signal }, 'stopping vLLM instances')
  await Promise.all(runners.map((runner) => runner.stop()))
  await server.stop(true)
  log.info('all vLLM instances stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))
