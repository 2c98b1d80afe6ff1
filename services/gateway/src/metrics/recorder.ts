/** @module Turns request outcomes and live state into metric samples; the only code that touches metric handles. */
import Registry from 'prom-client/lib/registry'
import type { ForwardOutcome } from '../proxy/forward.ts'
import type { UpstreamRegistry } from '../upstream/registry.ts'
import type { CounterChild, HistogramChild } from './accumulators.ts'
import { createMetrics, type GatewayMetrics } from './definitions.ts'
import { registerProcessMetrics } from './process-metrics.ts'

export interface LiveState {
  registry: UpstreamRegistry
  activeRequests: () => number
  openStreams: () => number
  /** 0 closed, 1 half-open, 2 open, per upstream index; absent until the breaker is wired. */
  breakerState?: (upstreamIndex: number) => number
  queueDepth?: () => number
  flushLagSeconds?: () => number
  /** The HTTP/1.1 pool's connections to an upstream; absent when requests go through fetch. */
  upstreamConnections?: (upstreamUrl: string) => { open: number; idle: number } | undefined
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

/** Per model: each child is bound at its metric's first update for that model. */
interface ModelSeries {
  ttft?: HistogramChild
  itl?: HistogramChild
  prompt?: CounterChild
  completion?: CounterChild
}

interface RouteSeries {
  duration?: HistogramChild
  /** Keyed by the numeric status, so the hot path builds no status string. */
  byStatus: Map<number, CounterChild>
}

interface UpstreamSeries {
  ok?: CounterChild
  error?: CounterChild
}

/** `defaultMetrics: false` leaves out the process_* series (tests that compare expositions sample for sample). */
export function createMetricsRecorder(options: { defaultMetrics?: boolean } = {}): MetricsRecorder {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) registerProcessMetrics(registry)
  const metrics = createMetrics(registry)
  let live: LiveState | undefined

  // Children bound per label set, each created at its series' first update (so series appear in the same order and
  // at the same moment as with prom-client); afterwards an update is a Map lookup on an already-hashed string.
  const byModel = new Map<string, ModelSeries>()
  const byRoute = new Map<string, Map<string, RouteSeries>>()
  const byUpstream = new Map<string, UpstreamSeries>()
  const overhead = metrics.overhead.child({})

  const modelSeries = (model: string): ModelSeries => {
    let series = byModel.get(model)
    if (!series) {
      series = {}
      byModel.set(model, series)
    }
    return series
  }
  const routeSeries = (route: string, model: string): RouteSeries => {
    let models = byRoute.get(route)
    if (!models) {
      models = new Map()
      byRoute.set(route, models)
    }
    let series = models.get(model)
    if (!series) {
      series = { byStatus: new Map() }
      models.set(model, series)
    }
    return series
  }
  const countRequest = (route: string, model: string, series: RouteSeries, status: number) => {
    let child = series.byStatus.get(status)
    if (!child) {
      child = metrics.requests.child({ route, model, status: String(status) })
      series.byStatus.set(status, child)
    }
    child.inc()
  }

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
      const connections = state.upstreamConnections?.(upstream.url)
      if (connections) {
        metrics.upstreamConnections.set({ upstream: upstream.url, state: 'open' }, connections.open)
        metrics.upstreamConnections.set({ upstream: upstream.url, state: 'idle' }, connections.idle)
      }
    }
  }

  return {
    registry,
    metrics,
    recordOutcome(route, outcome, durationMs) {
      const model = outcome.model
      const perRoute = routeSeries(route, model)
      countRequest(route, model, perRoute, outcome.streamOutcome === 'client_aborted' ? 499 : outcome.status)
      perRoute.duration ??= metrics.requestDuration.child({ route, model })
      perRoute.duration.observe(durationMs / 1000)
      const perModel = modelSeries(model)
      if (outcome.ttftMs !== undefined) {
        perModel.ttft ??= metrics.timeToFirstToken.child({ model })
        perModel.ttft.observe(outcome.ttftMs / 1000)
      }
      const prompt = outcome.usage?.prompt_tokens ?? 0
      const completion = outcome.usage?.completion_tokens ?? outcome.contentChunks
      if (prompt > 0) {
        perModel.prompt ??= metrics.promptTokens.child({ model })
        perModel.prompt.inc(prompt)
      }
      if (completion > 0) {
        perModel.completion ??= metrics.completionTokens.child({ model })
        perModel.completion.inc(completion)
      }
      overhead.observe(Math.max(0, durationMs - outcome.upstreamMs) / 1000)
    },
    recordError(route, model, status) {
      countRequest(route, model, routeSeries(route, model), status)
    },
    recordTokenGap(model, gapMs) {
      const perModel = modelSeries(model)
      perModel.itl ??= metrics.interTokenLatency.child({ model })
      perModel.itl.observe(gapMs / 1000)
    },
    recordUpstreamResult(upstreamUrl, ok) {
      let series = byUpstream.get(upstreamUrl)
      if (!series) {
        series = {}
        byUpstream.set(upstreamUrl, series)
      }
      if (ok) {
        series.ok ??= metrics.upstreamRequests.child({ upstream: upstreamUrl, outcome: 'ok' })
        series.ok.inc()
      } else {
        series.error ??= metrics.upstreamRequests.child({ upstream: upstreamUrl, outcome: 'error' })
        series.error.inc()
      }
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
