/** @module How the benchmark starts the simulator and the three proxies it compares, all on the server core. */
import type { BenchPlan } from './bench-config.ts'
import type { TargetName } from './overhead-report.ts'
import { freePort, type Server, startNginx, startServer } from './servers.ts'

export interface TargetContext {
  readonly plan: BenchPlan
  /** Repository root (servers run from it) and this bench directory. */
  readonly root: string
  readonly here: string
  /** Scratch directory: logs, nginx prefix, the gateway's quota database. */
  readonly dir: string
  readonly apiKey: string
  /** Environment for the gateway, applied over its protection defaults (e.g. LOG_REQUESTS=0). */
  readonly env: Readonly<Record<string, string | undefined>>
}

/**
 * Every protection on, with limits far above what the benchmark sends, so their code runs on every request without
 * rejecting any. GCRA limits allow at most one unit per microsecond: 60,000,000 per minute is the ceiling.
 */
const GATEWAY_PROTECTIONS: Readonly<Record<string, string>> = {
  RATE_LIMIT_RPS: '500000',
  RATE_LIMIT_BURST: '100000',
  KEY_RPM: '30000000',
  KEY_TPM: '60000000',
  DAILY_TOKEN_QUOTA: '1000000000000',
  MAX_CONCURRENT_REQUESTS: '100000',
}

/** The simulator with zero latency, so non-streaming figures are the proxies' own; streams set theirs by directive. */
export async function startSimulator(context: TargetContext): Promise<Server & { port: number }> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const flags = [
    '--max-num-seqs',
    '4096',
    '--sim-ttft-ms',
    '0',
    '--sim-ttft-per-token-us',
    '0',
    '--sim-itl-ms',
    '0',
  ]
  const server = await startServer({
    name: 'vllm-sim',
    logPath: `${context.dir}/vllm-sim`,
    cmd: [
      process.execPath,
      'services/vllm-sim/src/main.ts',
      'serve',
      'sim-model',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      ...flags,
      '--sim-jitter',
      '0',
    ],
    cpu: context.plan.serverCpu,
    readyUrl: `${url}/health`,
    url,
    cwd: context.root,
  })
  return { ...server, port }
}

export type ProxyName = Exclude<TargetName, 'direct'>

/** Label and starter of each proxy in front of the simulator at `simPort`. */
export function proxyStarters(
  context: TargetContext,
  simPort: number,
): Record<ProxyName, { readonly label: string; readonly start: () => Promise<Server> }> {
  const { plan, dir, root, here } = context
  const simUrl = `http://127.0.0.1:${simPort}`
  return {
    bare: {
      label: 'bare Bun proxy',
      start: async () => {
        const port = await freePort()
        const url = `http://127.0.0.1:${port}`
        const cmd = [process.execPath, `${here}bare-proxy.ts`, String(port), simUrl]
        return startServer({
          name: 'bare proxy',
          logPath: `${dir}/bare-proxy`,
          cmd,
          cpu: plan.serverCpu,
          readyUrl: `${url}/health`,
          url,
          cwd: root,
        })
      },
    },
    nginx: {
      label: 'nginx proxy_pass',
      start: async () =>
        startNginx({
          dir: `${dir}/nginx`,
          template: await Bun.file(`${here}nginx.conf.template`).text(),
          port: await freePort(),
          upstreamPort: simPort,
          logPath: `${dir}/nginx-log`,
          cpu: plan.serverCpu,
          cwd: root,
        }),
    },
    gateway: {
      label: 'gateway',
      start: async () => {
        const port = await freePort()
        const url = `http://127.0.0.1:${port}`
        const overrides = Object.fromEntries(
          Object.entries(context.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
        )
        return startServer({
          name: 'gateway',
          logPath: `${dir}/gateway`,
          cmd: [process.execPath, 'services/gateway/src/main.ts'],
          env: {
            GATEWAY_API_KEYS: context.apiKey,
            ...GATEWAY_PROTECTIONS,
            ...overrides,
            PORT: String(port),
            HOST: '127.0.0.1',
            VLLM_URL: simUrl,
            QUOTA_DB: `${dir}/quota.db`,
          },
          cpu: plan.serverCpu,
          readyUrl: `${url}/ready`,
          url,
          cwd: root,
          readyTimeoutMs: 30_000,
        })
      },
    },
  }
}
