/** @module Starts a gateway on a socket and stops it gracefully; main.ts and the integration tests share it. */
import { createApp } from './app.ts'
import type { GatewayConfig } from './config.ts'
import { createDeps, type DepsOverrides, type GatewayDeps } from './deps.ts'
import { startConfiguredTracing } from './telemetry/start-tracing.ts'

export interface RunningGateway {
  url: string
  port: number
  deps: GatewayDeps
  /** Drains: /ready turns 503, new requests get 503, in-flight work finishes within the grace, then the socket closes. */
  shutdown(): Promise<{ drained: boolean }>
}

export async function startGateway(
  config: GatewayConfig,
  overrides: DepsOverrides = {},
): Promise<RunningGateway> {
  const tracing = overrides.tracing ?? (await startConfiguredTracing(config))
  const deps = createDeps(config, { ...overrides, tracing })
  try {
    await deps.restoreUsage()
  } catch (error) {
    await deps.close()
    throw error
  }
  await deps.discovery.refresh()
  deps.discovery.start()
  deps.flusher.start()
  const app = createApp(deps).listen({
    hostname: config.host,
    port: config.port,
    // Bun closes idle sockets after 10 s by default, which would cut long time-to-first-token requests.
    idleTimeout: 0,
    // GATEWAY_WORKERS: every worker thread listens on the same port and the kernel spreads connections.
    reusePort: config.workers > 1,
    // Bun refuses a declared length over its cap with a bare 413 before our hook can answer in OpenAI's shape, so its
    // cap stays far above ours; the JSON body reader enforces MAX_BODY_BYTES, chunked bodies included.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  })
  const server = app.server
  if (!server) throw new Error('gateway did not start listening')
  const port = server.port ?? config.port
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host
  deps.log.info({ host: config.host, port, upstreams: config.upstreamUrls.length }, 'gateway listening')
  if (config.warmup) await warmUp(deps)

  let stopping: Promise<{ drained: boolean }> | undefined
  return {
    url: `http://${host}:${port}`,
    port,
    deps,
    shutdown() {
      stopping ??= (async () => {
        deps.lifecycle.startDraining()
        deps.discovery.stop()
        deps.log.info({ inFlight: deps.lifecycle.inFlight, graceMs: config.shutdownGraceMs }, 'draining')
        const drained = await deps.lifecycle.waitIdle(config.shutdownGraceMs)
        await server.stop(true)
        // After the drain, so the last requests' usage is in it.
        const flush = await deps.flusher.stop()
        await deps.close()
        deps.log.info({ drained, abandoned: deps.lifecycle.inFlight, flushed: flush.ok }, 'stopped')
        return { drained }
      })()
      return stopping
    },
  }
}

/** One tiny request per discovered model, so the first user does not pay for cold caches and connections. */
async function warmUp(deps: GatewayDeps): Promise<void> {
  for (const model of deps.registry.models()) {
    const upstream = deps.registry.pick(model.id)
    if (!upstream) continue
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (deps.config.upstreamApiKey) headers.authorization = `Bearer ${deps.config.upstreamApiKey}`
    const started = performance.now()
    try {
      const response = await fetch(`${upstream.url}/v1/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: model.id, prompt: 'ping', max_tokens: 1 }),
        signal: AbortSignal.timeout(deps.config.upstreamTimeoutMs),
      })
      await response.body?.cancel()
      deps.log.info(
        { model: model.id, status: response.status, ms: Math.round(performance.now() - started) },
        'warm-up',
      )
    } catch (error) {
      deps.log.warn({ model: model.id, reason: String(error) }, 'warm-up failed')
    }
  }
}
