/**
 * @module In-process gateway for CPU-per-request comparisons: the real app (Elysia, plugins, admission, forwarder)
 * handling requests with `app.handle`, against a stubbed `fetch` upstream, so sockets and the simulator add no noise.
 */
import { createLogger } from '@infergate/logger'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { createDeps, type DepsOverrides, type GatewayDeps } from '../../src/deps.ts'
import { startConfiguredTracing } from '../../src/telemetry/start-tracing.ts'

export const MODEL = 'sim-model'
export const KEY = 'bench-key'
export const CHAT_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'hello there, how are you' }],
  max_tokens: 16,
})

const ANSWER = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  model: MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 6, total_tokens: 16 },
})

const STUB_UPSTREAM = 'http://stub:1'

/**
 * Replaces `fetch` with an upstream at STUB_UPSTREAM that answers at once (other URLs, such as an OTLP collector, get
 * the real fetch); returns the function that restores the real one.
 */
export function stubUpstreamFetch(): () => void {
  const real = globalThis.fetch
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input)
    if (!url.startsWith(STUB_UPSTREAM)) return real(input, init)
    if (url.endsWith('/health')) return new Response('')
    if (url.endsWith('/v1/models')) return Response.json({ object: 'list', data: [{ id: MODEL }] })
    return new Response(ANSWER, { headers: { 'content-type': 'application/json' } })
  }) as typeof fetch
  return () => {
    globalThis.fetch = real
  }
}

export interface InProcessGateway {
  deps: GatewayDeps
  /** CPU microseconds per chat request, over `count` sequential requests. */
  cpuPerRequest(count: number): Promise<number>
}

/** A gateway app with `env` over quiet defaults (no request log, in-memory usage store); needs the stubbed fetch. */
export async function inProcessGateway(
  env: Record<string, string> = {},
  overrides: Pick<DepsOverrides, 'metrics'> = {},
): Promise<InProcessGateway> {
  const config = loadConfig({
    GATEWAY_API_KEYS: KEY,
    QUOTA_DB: ':memory:',
    VLLM_URL: STUB_UPSTREAM,
    LOG_REQUESTS: '0',
    ...env,
  })
  const deps = createDeps(config, {
    log: createLogger({ service: 'bench', level: 'silent' }),
    tracing: await startConfiguredTracing(config),
    // Through the (stubbed) global fetch, looked up per call, instead of sockets to the stub's URL.
    transport: (url, init) => globalThis.fetch(url, init),
    ...overrides,
  })
  await deps.discovery.refresh()
  const app = createApp(deps)
  const request = () =>
    new Request('http://localhost/v1/chat/completions', {
      method: 'POST',
      body: CHAT_BODY,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    })
  return {
    deps,
    async cpuPerRequest(count) {
      const start = process.cpuUsage()
      for (let i = 0; i < count; i++) {
        const response = await app.handle(request())
        if (response.status !== 200)
          throw new Error(`gateway answered ${response.status}: ${await response.text()}`)
        await response.text()
      }
      const used = process.cpuUsage(start)
      return (used.user + used.system) / count
    },
  }
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}
