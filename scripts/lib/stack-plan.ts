/** @module What `bun run dev` starts, in start order: a table of services built from the dev config. Pure. */
import type { DevConfig } from './dev-config.ts'

export interface ServiceSpec {
  readonly name: string
  readonly argv: readonly string[]
  /** Added to the inherited environment. */
  readonly env: Readonly<Record<string, string>>
  readonly port: number
  /** Polled until 200 before the next service starts. */
  readonly healthUrl: string
}

export interface StackPlan {
  readonly services: readonly ServiceSpec[]
  /** What the gateway forwards to: the simulator or VLLM_URL. */
  readonly upstreamUrl: string
  readonly usesSimulator: boolean
  readonly gatewayUrl: string
}

/** Loopback stays reachable when a service binds every interface. */
const reachable = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)

/**
 * Simulator (only without VLLM_URL) first, then the exporter, then the gateway, which needs its upstream up.
 * `bun` is the running executable, so the stack uses the same Bun as the command that started it.
 */
export function planStack(config: DevConfig, apiKeys: string, bun: string, root: string): StackPlan {
  const host = reachable(config.host)
  const simUrl = `http://${host}:${config.simPort}`
  const upstreamUrl = config.vllmUrl ?? simUrl
  const services: ServiceSpec[] = []
  if (!config.vllmUrl)
    services.push({
      name: 'vllm-sim',
      argv: [
        bun,
        `${root}/services/vllm-sim/src/main.ts`,
        'serve',
        config.simModel,
        '--host',
        config.host,
        '--port',
        String(config.simPort),
        ...config.simArgs,
      ],
      env: {},
      port: config.simPort,
      healthUrl: `${simUrl}/health`,
    })
  services.push({
    name: 'gpu-exporter',
    argv: [bun, `${root}/services/gpu-exporter/src/main.ts`],
    env: { PORT: String(config.exporterPort), HOST: config.host },
    port: config.exporterPort,
    healthUrl: `http://${host}:${config.exporterPort}/health`,
  })
  const gatewayUrl = `http://${host}:${config.gatewayPort}`
  services.push({
    name: 'gateway',
    argv: [bun, `${root}/services/gateway/src/main.ts`],
    env: {
      PORT: String(config.gatewayPort),
      HOST: config.host,
      VLLM_URL: upstreamUrl,
      GATEWAY_API_KEYS: apiKeys,
      // Bun's fetch keeps at most 256 requests in flight per process unless told otherwise at start-up.
      BUN_CONFIG_MAX_HTTP_REQUESTS: process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? '65535',
    },
    port: config.gatewayPort,
    healthUrl: `${gatewayUrl}/health`,
  })
  return { services, upstreamUrl, usesSimulator: !config.vllmUrl, gatewayUrl }
}
