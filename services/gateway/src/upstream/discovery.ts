/** @module Keeps the registry current: each upstream's /health and /v1/models, at start and every few seconds. */
import type { Logger } from '@infergate/logger'
import type { ModelEntry, UpstreamRegistry } from './registry.ts'

export interface DiscoveryOptions {
  registry: UpstreamRegistry
  upstreamApiKey: string | undefined
  intervalMs: number
  timeoutMs: number
  log: Logger
  now?: () => number
}

export interface Discovery {
  /** One round over every upstream; resolves when all have answered or timed out. */
  refresh(): Promise<void>
  start(): void
  stop(): void
}

export function createDiscovery(options: DiscoveryOptions): Discovery {
  const { registry, log } = options
  const now = options.now ?? Date.now
  const headers: Record<string, string> = options.upstreamApiKey
    ? { authorization: `Bearer ${options.upstreamApiKey}` }
    : {}
  let timer: ReturnType<typeof setInterval> | undefined
  let running: Promise<void> | undefined

  async function check(index: number, url: string): Promise<void> {
    const signal = AbortSignal.timeout(options.timeoutMs)
    try {
      const health = await fetch(`${url}/health`, { signal })
      await health.body?.cancel()
      if (!health.ok) throw new Error(`/health answered ${health.status}`)
      const response = await fetch(`${url}/v1/models`, { headers, signal })
      if (!response.ok) throw new Error(`/v1/models answered ${response.status}`)
      const body = (await response.json()) as { data?: unknown }
      const entries = Array.isArray(body.data)
        ? body.data.filter((entry): entry is ModelEntry => typeof (entry as ModelEntry)?.id === 'string')
        : []
      registry.setModels(index, entries)
      const wasHealthy = registry.upstreams[index]?.healthy
      registry.markHealthy(index, now())
      if (!wasHealthy)
        log.info({ upstream: url, models: entries.map((entry) => entry.id) }, 'upstream healthy')
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      const wasHealthy = registry.upstreams[index]?.healthy
      const previous = registry.upstreams[index]?.lastError
      registry.markUnhealthy(index, reason, now())
      if (wasHealthy || previous !== reason) log.warn({ upstream: url, reason }, 'upstream unhealthy')
    }
  }

  const refresh = (): Promise<void> => {
    // One round at a time: a slow upstream must not stack up overlapping checks.
    running ??= Promise.all(registry.upstreams.map((upstream) => check(upstream.index, upstream.url))).then(
      () => {
        running = undefined
      },
    )
    return running
  }

  return {
    refresh,
    start() {
      timer ??= setInterval(() => void refresh(), options.intervalMs)
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = undefined
    },
  }
}
