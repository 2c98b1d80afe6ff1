/**
 * @module The services the live monitoring test runs and scrapes, one row each: the prometheus.yml job it is
 * scraped as, whose metric contract it serves, and how to start it and give it traffic. Adding the gateway or
 * the launcher is one more row.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.ts'
import type { Producer } from './metric-contracts.ts'
import { pollUntil } from './poll.ts'
import { type SpawnedService, spawnService } from './spawn-service.ts'

export interface StartedTarget {
  /** host:port Prometheus scrapes (/metrics, or the job's metrics_path). */
  address: string
  /** Exercises the service so that metrics which only appear on use (counters with labels, histograms) exist. */
  traffic(): Promise<void>
  stop(): Promise<void>
}

export interface LiveTarget {
  job: string
  producer: Producer
  /**
   * Names the dashboards and rules use that this service does not expose yet (a labelled counter nothing has
   * incremented). The live test asserts they are still missing, so the entry must go once the service exposes them.
   */
  notYetExposed?: readonly string[]
  /** `started` holds the targets started before this one, by job, for services that need another (gateway → vllm). */
  start(started: ReadonlyMap<string, StartedTarget>): Promise<StartedTarget>
}

export const SIM_MODEL = 'infergate-live-test'

/** Wraps a traffic run so a failure carries the tail of the service's own log, where the cause usually is. */
function explained(service: SpawnedService, run: () => Promise<void>): () => Promise<void> {
  return () =>
    run().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      throw new Error(`${message}\n--- service output ---\n${service.output().slice(-2000)}`)
    })
}

async function expectOk(response: Response, what: string): Promise<string> {
  const body = await response.text()
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}: ${body.slice(0, 300)}`)
  return body
}

/** A few plain and streamed chat completions: fills TTFT, ITL, E2E, token counters and finish reasons. */
async function chatTraffic(
  baseUrl: string,
  model: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const request = (stream: boolean, maxTokens: number) =>
    fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Say hello to the monitoring test.' }],
        max_tokens: maxTokens,
        stream,
      }),
    }).then((response) => expectOk(response, `chat completion (stream=${stream})`))
  await Promise.all([request(false, 8), request(false, 4), request(true, 8), request(true, 6)])
}

async function startSimulator(): Promise<StartedTarget> {
  const port = freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const service = await spawnService({
    entry: 'services/vllm-sim/src/main.ts',
    args: [
      'serve',
      SIM_MODEL,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--sim-ttft-ms',
      '5',
      '--sim-itl-ms',
      '2',
    ],
    env: { LOG_LEVEL: 'warn' },
    readyUrl: `${baseUrl}/health`,
  })
  return {
    address: `127.0.0.1:${port}`,
    traffic: explained(service, () => chatTraffic(baseUrl, SIM_MODEL)),
    stop: service.stop,
  }
}

async function startGpuExporter(): Promise<StartedTarget> {
  const port = freePort()
  const service = await spawnService({
    entry: 'services/gpu-exporter/src/main.ts',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      GPU_POLL_MS: '250',
      NVIDIA_SMI_PATH: join(import.meta.dir, 'fixtures', 'fake-nvidia-smi'),
      LOG_LEVEL: 'warn',
    },
    readyUrl: `http://127.0.0.1:${port}/metrics`,
  })
  // The exporter polls nvidia-smi on its own; scraping is its traffic.
  return { address: `127.0.0.1:${port}`, traffic: async () => {}, stop: service.stop }
}

/** The launcher supervising its own simulator, as in the compose sim profile; ready once the instance is up. */
async function startLauncher(): Promise<StartedTarget> {
  const port = freePort()
  const metricsUrl = `http://127.0.0.1:${port}/metrics`
  const service = await spawnService({
    entry: 'services/vllm-launcher/src/main.ts',
    env: {
      VLLM_BIN: `${process.execPath} services/vllm-sim/src/main.ts`,
      VLLM_VERSION: '0.11.0',
      MODEL_NAME: SIM_MODEL,
      VLLM_HOST: '127.0.0.1',
      VLLM_PORT: String(freePort()),
      LAUNCHER_METRICS_HOST: '127.0.0.1',
      LAUNCHER_METRICS_PORT: String(port),
      HEALTH_INTERVAL_MS: '200',
      KILL_GRACE_MS: '2000',
      LOG_LEVEL: 'warn',
    },
    readyUrl: metricsUrl,
  })
  // vllm_launcher_startup_seconds is set when the supervised instance first passes its health check.
  const traffic = () =>
    pollUntil(
      async () =>
        (await (await fetch(metricsUrl)).text()).includes('vllm_launcher_startup_seconds{')
          ? true
          : undefined,
      { timeoutMs: 15_000, what: 'the launcher to report its instance started' },
    ).then(() => {})
  return { address: `127.0.0.1:${port}`, traffic: explained(service, traffic), stop: service.stop }
}

/** The gateway in front of the simulator row, auth off: its metrics come from proxied traffic. */
async function startGateway(started: ReadonlyMap<string, StartedTarget>): Promise<StartedTarget> {
  const upstream = started.get('vllm')
  if (!upstream) throw new Error('the gateway row needs the vllm row started before it')
  const port = freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  // Its own quota database: the default ./data/gateway.db is shared with every other gateway run in the repo.
  const dataDir = await mkdtemp(join(tmpdir(), 'infergate-live-gateway-'))
  const service = await spawnService({
    entry: 'services/gateway/src/main.ts',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      VLLM_URL: `http://${upstream.address}`,
      GATEWAY_AUTH: 'disabled',
      QUOTA_DB: join(dataDir, 'gateway.db'),
      LOG_LEVEL: 'warn',
    },
    // /ready answers 200 once an upstream is healthy, so traffic does not race discovery.
    readyUrl: `${baseUrl}/ready`,
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true })
    throw error
  })
  return {
    address: `127.0.0.1:${port}`,
    traffic: explained(service, () => chatTraffic(baseUrl, SIM_MODEL)),
    stop: async () => {
      await service.stop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

export const LIVE_TARGETS: readonly LiveTarget[] = [
  { job: 'vllm', producer: 'vllm', start: startSimulator },
  { job: 'gpu-exporter', producer: 'gpu-exporter', start: startGpuExporter },
  { job: 'vllm-launcher', producer: 'vllm-launcher', start: startLauncher },
  {
    job: 'gateway',
    producer: 'gateway',
    start: startGateway,
  },
]
