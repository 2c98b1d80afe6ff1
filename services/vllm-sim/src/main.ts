#!/usr/bin/env bun
/**
 * @module `bun services/vllm-sim/src/main.ts serve <model> [flags]`: the only file with side effects (argv, env,
 * stdout, signals, exit codes). Bad flags exit 2 like vLLM's argparse; SIGTERM/SIGINT stop cleanly with 0.
 */
import { ConfigError } from '@infergate/config'
import { parseArgs, USAGE } from './cli.ts'
import { loadEnv, resolveOptions } from './config.ts'
import { createSimServer } from './server.ts'
import { createVllmLog } from './vllm-log.ts'

const cli = parseArgs(process.argv.slice(2))
if (cli.help) {
  console.log(USAGE)
  process.exit(0)
}
if (cli.problems.length > 0) {
  console.error(`${USAGE}\nvllm-sim: error: ${cli.problems.join('; ')}`)
  process.exit(2)
}

let options: ReturnType<typeof resolveOptions>
try {
  options = resolveOptions({ ...loadEnv(process.env), ...cli.options })
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : String(error))
  process.exit(2)
}

const log = createVllmLog((line) => process.stdout.write(`${line}\n`), process.pid)
const server = createSimServer(options, {
  log,
  ignoredFlags: cli.ignored,
  onCrash: () => process.exit(1),
})

let stopping = false
const shutdown = async (signal: string) => {
  if (stopping) return
  stopping = true
  log('INFO', 'launcher.py:80', `Shutting down FastAPI HTTP server. (${signal})`)
  await server.stop()
  process.exit(0)
}
process.on('SIGTERM', () => void shutdown('SIGTERM'))
process.on('SIGINT', () => void shutdown('SIGINT'))

try {
  await server.start()
} catch (error) {
  // e.g. the port is taken: vLLM exits non-zero when it cannot serve, and launchers watch for that.
  log(
    'ERROR',
    'api_server.py:1',
    `Failed to start the API server: ${error instanceof Error ? error.message : String(error)}`,
  )
  process.exit(1)
}
