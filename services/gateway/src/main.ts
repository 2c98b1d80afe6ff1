/** @module Entry point of `bun run gateway`: the only file with process-level side effects. */
import { ConfigError } from '@infergate/config'
import { createLogger, type Logger } from '@infergate/logger'
import { startCluster } from './cluster/supervisor.ts'
import { loadConfig } from './config.ts'
import { startGateway } from './server.ts'

let config: ReturnType<typeof loadConfig>
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`gateway: ${error.message}`)
  process.exit(2)
}

let gateway: { deps: { log: Logger }; shutdown(): Promise<{ drained: boolean }> }
try {
  gateway =
    config.workers > 1
      ? await startCluster(
          config,
          process.env,
          // Worker threads write the same stdout line by line; a batch from this thread could be split by theirs.
          createLogger({ service: 'gateway', level: config.logLevel, batched: false }),
        )
      : await startGateway(config)
} catch (error) {
  // A start-up failure (database, port) is an operator's problem to fix: one clear line, no stack trace.
  console.error(`gateway: cannot start: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}
// Bun runs at most BUN_CONFIG_MAX_HTTP_REQUESTS fetches at once per process (256 unless set before it starts, at most
// 65535; an invalid value leaves 256); beyond that, upstream requests and streams wait inside Bun. Requests to plain
// http:// upstreams use the gateway's own HTTP/1.1 pool instead; https ones and an HTTP proxy go through fetch.
const requestedLimit = Number(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS)
const fetchLimit =
  Number.isInteger(requestedLimit) && requestedLimit >= 1 && requestedLimit <= 65535 ? requestedLimit : 256
const upstreamsUseFetch =
  config.upstreamHttpProxy ||
  config.upstreamUrls.some((url) => !url.startsWith('http://') || url.includes('@', 7))
if (fetchLimit < 1024 && upstreamsUseFetch)
  gateway.deps.log.warn(
    { BUN_CONFIG_MAX_HTTP_REQUESTS: process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? null },
    `Bun allows only ${fetchLimit} upstream requests at once: start with \`bun run gateway\` or set BUN_CONFIG_MAX_HTTP_REQUESTS=65535`,
  )
if (!config.authEnabled)
  gateway.deps.log.warn('GATEWAY_AUTH=disabled: every caller is accepted without an API key')

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    gateway.deps.log.info({ signal }, 'shutdown requested')
    void gateway.shutdown().then(() => process.exit(0))
  })
}
