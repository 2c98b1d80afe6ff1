/**
 * @module Starts a real Prometheus (Debian's /usr/bin/prometheus) on a free 127.0.0.1 port with its own temp config
 * and TSDB, for integration tests; `stop()` kills it and removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'
import { pollUntil } from './poll.ts'
import { createPrometheusClient, type PrometheusClient } from './prometheus-client.ts'

export const PROMETHEUS_BIN = '/usr/bin/prometheus'
export const PROMTOOL_BIN = '/usr/bin/promtool'

export interface StartPrometheusOptions {
  /** The configuration as an object (written as JSON, which Prometheus reads as YAML) or as YAML text. */
  config: object | string
  readyTimeoutMs?: number
}

export interface RunningPrometheus extends PrometheusClient {
  url: string
  port: number
  dir: string
  /** Everything Prometheus wrote to stderr so far, for failure messages. */
  logs(): string
  stop(): Promise<void>
}

/**
 * Writes the config to a fresh temp dir, starts Prometheus on 127.0.0.1:<free port> and waits for /-/ready.
 * @throws Error with Prometheus's own log when it exits or never becomes ready.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-prometheus-'))
  const configFile = join(dir, 'prometheus.yml')
  await Bun.write(
    configFile,
    typeof options.config === 'string' ? options.config : JSON.stringify(options.config),
  )
  const port = freePort()
  const url = `http://127.0.0.1:${port}`
  const proc = Bun.spawn(
    [
      PROMETHEUS_BIN,
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdout: 'ignore', stderr: 'pipe' },
  )
  let stderr = ''
  const decoder = new TextDecoder()
  const drain = (async () => {
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk)
  })()
  const stop = async () => {
    proc.kill('SIGKILL')
    await proc.exited
    await drain.catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await pollUntil(
      async () => {
        if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}`)
        const response = await fetch(`${url}/-/ready`)
        return response.ok ? true : undefined
      },
      { timeoutMs: options.readyTimeoutMs ?? 15_000, what: `prometheus ready on ${url}` },
    )
  } catch (error) {
    await stop()
    throw new Error(`${(error as Error).message}\n${stderr}`)
  }
  return { ...createPrometheusClient(url), url, port, dir, logs: () => stderr, stop }
}
