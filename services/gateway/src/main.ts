/** @module Entry point of `bun run gateway`: the only file with process-level side effects. */
import { ConfigError } from '@infergate/config'
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

const gateway = await startGateway(config)
if (!config.authEnabled)
  gateway.deps.log.warn('GATEWAY_AUTH=disabled: every caller is accepted without an API key')

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    gateway.deps.log.info({ signal }, 'shutdown requested')
    void gateway.shutdown().then(() => process.exit(0))
  })
}
