/** @module Turns request outcomes and live state into metric samples; the only code that touches metric handles. */
import { collectDefaultMetrics, Registry } from 'prom-client'
import type { ForwardOutcome } from '../proxy/forward.ts'
import type { UpstreamRegistry } from '../upstream/registry.ts'
import { createMetrics, type GatewayMetrics } from './definitions.ts'

export interface LiveState {
  registry: UpstreamRegistry
  activeRequests: () => number
  openStreams: () => number
  /** 0 closed, 1 half-open, 2 open, per upstream index; absent until the breaker is wired. */
  breakerState?: (upstreamIndex: number) => number
  queueDepth?: () => number
  flushLagSeconds?: () => number
}

export interface MetricsRecorder {
  readonly registry: Registry
  readonly metrics: GatewayMetrics
  /** A finished exchange that reached an upstream. */
  recordOutcome(route: string, outcome: ForwardOutcome, durationMs: number): void
  /** A request refused before or by the upstream. `model` must already be a served id or 'unknown'. */
  recordError(route: string, model: string, status: number): void
  recordTokenGap(model: string, gapMs: number): void
  recordUpstreamResult(upstreamUrl: string, ok: boolean): void
  /** Reads live state at scrape time, so the hot path pays nothing for gauges. */
  watch(state: LiveState): void
  /** The exposition text, live gauges refreshed first. */
  render(): Promise<string>
  readonly contentType: string
}

export function createMetricsRecorder(options: { defaultMetrics?: boolean } = {}): MetricsRecorder {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })
  const metrics = createMetrics(registry)
  let live: LiveState | undefined

  const refreshLive = (state: LiveState) => {
    metrics.activeRequests.set(state.activeRequests())
    metrics.openStreams.set(state.openStreams())
    metrics.queueDepth.set(state.queueDepth?.() ?? 0)
    metrics.quotaFlushLag.set(state.flushLagSeconds?.() ?? 0)
    for (const upstream of state.registry.upstreams) {
      const labels = { upstream: upstream.url }
      metrics.upstreamHealthy.set(labels, upstream.healthy ? 1 : 0)
      metrics.upstreamInFlight.set(labels, upstream.inFlight)
      metrics.breakerState.set(labels, state.breakerState?.(upstream.index) ?? 0)
    }
  }

  return {
    registry,
    metrics,
    recordOutcome(route, outcome, durationMs) {
      const model = outcome.model
      const status = outcome.streamOutcome === 'client_aborted' ? '499' : String(outcome.status)
      metrics.requests.inc({ route, model, status })
      metrics.requestDuration.observe({ route, model }, durationMs / 1000)
      if (outcome.ttftMs !== undefined) metrics.timeToFirstToken.observe({ model }, outcome.ttftMs / 1000)
      const prompt = outcome.usage?.prompt_tokens ?? 0
      const completion = outcome.usage?.completion_tokens ?? outcome.contentChunks
      if (prompt > 0) metrics.promptTokens.inc({ model }, prompt)
      if (completion > 0) metrics.completionTokens.inc({ model }, completion)
      metrics.overhead.observe(Math.max(0, durationMs - outcome.upstreamMs) / 1000)
    },
    recordError(route, model, status) {
      metrics.requests.inc({ route, model, status: String(status) })
    },
    recordTokenGap(model, gapMs) {
      metrics.interTokenLatency.observe({ model }, gapMs / 1000)
    },
    recordUpstreamResult(upstreamUrl, ok) {
      metrics.upstreamRequests.inc({ upstream: upstreamUrl, outcome: ok ? 'ok' : 'error' })
    },
    watch(state) {
      live = state
    },
    async render() {
      if (live) refreshLive(live)
      return registry.metrics()
    },
    contentType: registry.contentType,
  }
}
