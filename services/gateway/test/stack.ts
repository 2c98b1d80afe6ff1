/** @module Test fixture: simulators as upstreams and a gateway in front of them, on loopback ports. */
import { createLogger } from '@infergate/logger'
import { startSim } from '@infergate/vllm-sim/testing'
import OpenAI from 'openai'
import { loadConfig } from '../src/config.ts'
import { type RunningGateway, startGateway } from '../src/server.ts'

export type Sim = Awaited<ReturnType<typeof startSim>>
export type SimOptions = NonNullable<Parameters<typeof startSim>[0]>

export const CLIENT_KEY = 'sk-test-client-key'
export const UPSTREAM_KEY = 'upstream-secret'

export interface Stack {
  gateway: RunningGateway
  sims: Sim[]
  url: string
  client: OpenAI
  /** POST JSON to the gateway with the client key unless other headers are given. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>
  stop(): Promise<void>
}

export async function startStack(
  simOptions: SimOptions[] = [{}],
  env: Record<string, string> = {},
  extraUpstreams: string[] = [],
): Promise<Stack> {
  const sims = await Promise.all(simOptions.map((options) => startSim({ apiKey: UPSTREAM_KEY, ...options })))
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    VLLM_URL: [...sims.map((sim) => sim.url), ...extraUpstreams].join(','),
    VLLM_API_KEY: UPSTREAM_KEY,
    GATEWAY_API_KEYS: `${CLIENT_KEY},sk-other-key`,
    RETRY_BACKOFF_MS: '1',
    QUOTA_DB: ':memory:',
    ...env,
  })
  const gateway = await startGateway(config, {
    log: createLogger({ service: 'gateway-test', level: 'silent' }),
  })
  const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 })
  return {
    gateway,
    sims,
    url: gateway.url,
    client,
    post: (path, body, headers) =>
      fetch(gateway.url + path, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: headers ?? { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      }),
    async stop() {
      await gateway.shutdown()
      await Promise.all(sims.map((sim) => sim.stop()))
    },
  }
}

/** Splits an SSE body into its `data:` payloads, checking the byte framing on the way. */
export function ssePayloads(text: string): string[] {
  if (!text.endsWith('\n\n'))
    throw new Error(`stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`)
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((event) => {
      if (!event.startsWith('data: ')) throw new Error(`not a data event: ${JSON.stringify(event)}`)
      return event.slice(6)
    })
}

export const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'sim-model',
  messages: [{ role: 'user', content }],
  ...extra,
})
